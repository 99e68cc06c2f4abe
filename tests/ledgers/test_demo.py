from django.core.management import call_command
from django.utils import timezone

from households.models import Household
from ledgers import demo, supervision
from ledgers.models import (
    Guarantee,
    Income,
    Measure,
    Payment,
    Plan,
    PovertyStandard,
    Project,
    Visit,
)

MODELS = (Plan, Measure, Visit, Income, Guarantee)


def counts():
    return [model.objects.count() for model in MODELS]


def test_seed_fills_realistic_ledgers_once(db):
    call_command("seed_demo", "--households", "12")
    active = Household.objects.filter(status__in=Household.ACTIVE_STATUSES).count()
    assert active
    first = counts()
    assert demo.seed(2016) == 0
    assert counts() == first
    assert Plan.objects.filter(kind=Plan.Kind.THREE_YEAR).count() == active
    assert Plan.objects.filter(planned_measures__name="政策宣传").count() == active
    # The timeline ends today: incomes through last year, lines and plans through this year.
    this_year = timezone.localdate().year
    assert set(Income.objects.values_list("year", flat=True)) == set(range(2016, this_year))
    assert set(Plan.objects.values_list("year", flat=True)) == set(range(2016, this_year + 1))
    assert PovertyStandard.objects.filter(year=this_year).exists()
    assert all(i.per_capita == i.compute_per_capita() for i in Income.objects.all())
    assert Visit.objects.count() >= 12
    assert Measure.history.count() == Measure.objects.count()


def test_demo_projects_raise_every_supervision_flag_once_seeded(db):
    call_command("seed_demo", "--households", "60")
    payments = Payment.objects.count()
    assert demo.seed_projects(2016) == 0
    assert Payment.objects.count() == payments
    summary = supervision.fund_summary(Project.objects.all())
    assert all(flag["projects"] for flag in summary["flags"]), summary["flags"]
    assert Payment.objects.filter(reverses__isnull=False).exists()
