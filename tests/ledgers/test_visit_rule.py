"""When a household is due for a visit: one rule (`ledgers.selectors.visits_count_from`) for the
cadre's list (我的帮扶户) and the county dashboard. They disagreed at day 30: a household visited
exactly 30 days ago was due on the list but not on the dashboard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.dashboard import household_figures, on_day
from households.models import Household
from tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("days_ago", "due"), [(29, False), (30, True), (31, True)])
def test_the_list_and_the_dashboard_agree_on_the_day_a_visit_falls_due(
    as_user, township_cadre, household, days_ago, due
):
    today = timezone.localdate()
    Household.objects.filter(pk=household.pk).update(contact_cadre=township_cadre.member)
    VisitFactory(household=household, date=today - datetime.timedelta(days=days_ago))
    listed = as_user(township_cadre).get(reverse("ledgers:mine")).context["page"]
    assert [h.overdue for h in listed] == [due]
    figure = household_figures(today.year, today)["not_visited_30"]
    households = on_day(Household.objects.filter(pk=household.pk), today, today)
    assert households.filter(figure).exists() is due
