"""Registration, exit and return to poverty only through their procedures (docs/domain.md §2):
no page, form or admin change moves a household's status around them."""

import pytest
from django.urls import reverse

from households.models import Household, StatusChange
from tests.factories import PersonFactory

Status = Household.Status
DAY = "2017-03-01"


@pytest.mark.parametrize("start", Status.values)
@pytest.mark.parametrize("target", Status.values)
def test_the_status_form_only_cancels(as_user, county_officer, start, target):
    """The status form of the household page moves a household only to 已注销; registering
    (two notices and an announcement), exit (exit review) and return to poverty (its own
    procedure) are refused there, whatever is posted, and nothing changes."""
    household = PersonFactory(household__status=start).household
    response = as_user(county_officer).post(
        reverse("households:status_change", args=[household.pk]),
        {"to": target, "date": DAY, "reason": "一次提交"},
        follow=True,
    )
    assert response.status_code == 200
    household.refresh_from_db()
    allowed = target == Status.CANCELLED and start != Status.CANCELLED
    assert household.status == (target if allowed else start)
    assert StatusChange.objects.filter(household=household).count() == (1 if allowed else 0)


def test_the_admin_cannot_change_a_status(as_user, county_officer, east_team):
    household = PersonFactory(
        household__status=Status.IDENTIFYING, household__village__code="449901101201"
    ).household
    client = as_user(county_officer)
    for url in (
        reverse("admin:households_household_change", args=[household.pk]),
        reverse("admin:households_household_add"),
    ):
        assert "status" not in client.get(url).context["adminform"].form.fields
