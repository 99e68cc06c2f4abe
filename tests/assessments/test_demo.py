import pytest
from django.core.management import call_command

from assessments.models import (
    ExitReview,
    ExitTarget,
    Inspection,
    Outcome,
    Rectification,
    TeamAssessment,
    exited_in,
)
from households.models import Household

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (Inspection, Rectification, TeamAssessment, Outcome, ExitReview)
    ]


def test_seed_demo_makes_one_assessment_cycle_and_is_stable():
    call_command("seed_demo", households=120, verbosity=0)
    first = counts()
    assert all(first[:4])
    assert Rectification.objects.filter(closed_on__isnull=True).count() == 1
    call_command("seed_demo", households=120, verbosity=0)
    assert counts() == first


def test_the_demo_exits_are_dated_and_some_townships_meet_their_targets():
    """Issue 19: 41 of 44 exited households had no exit date, and every township showed
    当年脱贫户 0 against its target."""
    call_command("seed_demo", households=300, verbosity=0)
    gone = Household.objects.filter(status__in=[Household.Status.EXITED, Household.Status.RETURNED])
    assert gone.exists()
    assert not gone.filter(exited_on=None).exists()
    for household in gone:
        history = list(household.status_changes.order_by("date", "pk"))
        assert [change.new_status for change in history][:2] == [
            Household.Status.REGISTERED,
            Household.Status.EXITED,
        ]
        assert history[1].date == household.exited_on > household.registered_on
    met, missed = 0, 0
    for target in ExitTarget.objects.all():
        exits = Household.objects.in_area(target.township_id).filter(exited_in(target.year))
        if exits.count() >= target.households:
            met += 1
        else:
            missed += 1
    assert met
    assert missed
