"""返贫 has its own procedure: the year's ledger shows why, the cause is recorded, a contact
cadre helps the household again, and the exit stays in its history."""

import datetime

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import PovertyReturn
from households.models import CadreAssignment, Household, ReferenceItem, StatusChange
from ledgers.models import Guarantee
from tests.assessments.conftest import YEAR
from tests.factories import IncomeFactory, MemberFactory

DAY = datetime.date(2018, 3, 1)


def cause(name="因病"):
    return ReferenceItem.objects.get(kind="cause", name=name)


@pytest.fixture
def exited(east_households):
    household = east_households["exited"]
    StatusChange.objects.create(
        household=household,
        old_status=Household.Status.REGISTERED,
        new_status=Household.Status.EXITED,
        date=household.exited_on,
        reason="脱贫验收",
    )
    return household


STEPS = {
    "applied_on": datetime.date(2018, 2, 1),
    "village_review_on": datetime.date(2018, 2, 10),
    "township_review_on": datetime.date(2018, 2, 20),
}


def back(household, **kwargs):
    values = {
        "year": YEAR,
        **STEPS,
        "date": DAY,
        "cause": cause("因灾"),
        "reason": "台风毁房",
        "cadre": None,
    }
    return services.household_return_to_poverty(
        household=household, by=None, **{**values, **kwargs}
    )


def test_an_income_below_the_exit_line_returns_the_household(exited):
    IncomeFactory(household=exited, year=YEAR, household_size=4, wages=2000, production_income=0)
    change = back(exited)
    exited.refresh_from_db()
    assert exited.status == Household.Status.RETURNED
    assert exited.main_cause == cause("因灾")
    assert change.reason == "因灾：台风毁房"
    recorded = PovertyReturn.objects.get(household=exited)
    assert (recorded.status_change, recorded.year, recorded.cause) == (change, YEAR, cause("因灾"))
    steps = [getattr(recorded, name) for name in [*STEPS, "approved_on"]]
    assert steps == [*STEPS.values(), DAY]
    history = list(exited.status_changes.order_by("date").values_list("new_status", flat=True))
    assert history == [Household.Status.EXITED, Household.Status.RETURNED]


def test_an_unmet_guarantee_is_reason_enough(exited):
    IncomeFactory(household=exited, year=YEAR, wages=60000)
    Guarantee.objects.create(household=exited, year=YEAR, housing=Guarantee.State.NOT_MET)
    back(exited)
    exited.refresh_from_db()
    assert exited.status == Household.Status.RETURNED


@pytest.mark.parametrize("ledger", ["none", "above the line, guarantees met"])
def test_without_evidence_in_the_ledger_nothing_changes(exited, ledger):
    if ledger != "none":
        IncomeFactory(household=exited, year=YEAR, wages=60000)
        Guarantee.objects.create(
            household=exited,
            year=YEAR,
            **{state: Guarantee.State.MET for state, _ in Guarantee.ITEMS},
            **{evidence: "已核实" for _, evidence in Guarantee.ITEMS},
        )
    with pytest.raises(services.AssessmentError, match="记录"):
        back(exited)
    exited.refresh_from_db()
    assert exited.status == Household.Status.EXITED
    assert exited.status_changes.count() == 1


@pytest.mark.parametrize("date", [datetime.date(2017, 11, 1), datetime.date.max.replace(year=2999)])
def test_the_date_lies_between_the_exit_and_today(exited, date):
    IncomeFactory(household=exited, year=YEAR, wages=2000, production_income=0)
    with pytest.raises(services.AssessmentError):
        back(exited, date=date)
    exited.refresh_from_db()
    assert exited.status == Household.Status.EXITED


@pytest.mark.parametrize(
    "steps",
    [
        {"village_review_on": datetime.date(2018, 1, 20)},  # before the application
        {"township_review_on": datetime.date(2018, 2, 5)},  # before the village's review
        {"applied_on": datetime.date(2017, 11, 1)},  # before the exit
        {"township_review_on": datetime.date(2018, 3, 2)},  # after the county's approval
    ],
)
def test_the_steps_come_in_order_between_the_exit_and_the_approval(exited, steps):
    IncomeFactory(household=exited, year=YEAR, wages=2000, production_income=0)
    with pytest.raises(services.AssessmentError, match="步骤"):
        back(exited, **steps)
    exited.refresh_from_db()
    assert exited.status == Household.Status.EXITED
    assert not PovertyReturn.objects.exists()


def test_a_cadre_who_left_is_replaced(exited, east_team):
    IncomeFactory(household=exited, year=YEAR, wages=2000, production_income=0)
    exited.contact_cadre.left = datetime.date(2018, 1, 1)
    exited.contact_cadre.save()
    with pytest.raises(services.AssessmentError, match="帮扶责任人"):
        back(exited)
    successor = MemberFactory(team=east_team)
    back(exited, cadre=successor)
    exited.refresh_from_db()
    assert exited.contact_cadre == successor
    assert CadreAssignment.objects.get(household=exited, end__isnull=True).cadre == successor


def test_only_a_household_out_of_poverty_returns(east_households):
    with pytest.raises(services.AssessmentError):
        back(east_households["complete"])


def test_the_county_returns_a_household_through_the_page(exited, county_officer, as_user):
    income = IncomeFactory(household=exited, year=YEAR, wages=2000, production_income=0)
    url = reverse("assessments:return_to_poverty", args=[exited.pk])
    client = as_user(county_officer)
    page = client.get(url).content.decode()
    income.refresh_from_db()
    assert f"{income.per_capita}" in page  # the ledger's evidence beside the form
    response = client.post(
        url,
        {
            "year": YEAR,
            **{name: day.isoformat() for name, day in STEPS.items()},
            "date": "2018-03-01",
            "cause": cause("因灾").pk,
            "reason": "台风毁房",
        },
    )
    assert response.status_code == 302
    exited.refresh_from_db()
    assert exited.status == Household.Status.RETURNED
    page = client.get(exited.get_absolute_url()).content.decode()
    assert "2018-02-10" in page  # the village's review, in the household's history


def test_a_cadre_cannot_return_a_household(exited, township_cadre, as_user):
    url = reverse("assessments:return_to_poverty", args=[exited.pk])
    assert as_user(township_cadre).get(url).status_code == 403
