"""Public notices as the notice wants them (两公示一公告): a period of at least NOTICE_MIN_DAYS,
the issuing body and a complaint phone; objections recorded, investigated and resolved; an
open objection or a notice still running holds the next step."""

import datetime

import pytest
from django.urls import reverse

from households import services
from households.models import Household, IdentificationStep, Objection
from households.services import HouseholdError
from tests.factories import PersonFactory

Step = IdentificationStep.Step
DAY = datetime.date(2016, 6, 1)


def day(n):
    return DAY + datetime.timedelta(days=n)


@pytest.fixture
def record(county_officer):
    """Record a step as the county office; a notice runs seven days with its issuer and phone."""

    def step_on(household, step, on, **kwargs):
        values = {"responsible": "示例村支书", "outcome": "passed", "by": county_officer}
        if step in IdentificationStep.NOTICES:
            values.update(
                notice_until=on + datetime.timedelta(days=6),
                issued_by="示例村民委员会",
                complaint_phone="0755-12317",
            )
        values.update(kwargs)
        return services.identification_record_step(
            household=household, step=step, date=on, **values
        )

    return step_on


@pytest.fixture
def at_first_notice(record):
    household = PersonFactory(household__status=Household.Status.IDENTIFYING).household
    record(household, Step.APPLICATION, day(0))
    record(household, Step.DEMOCRATIC_REVIEW, day(2))
    notice = record(household, Step.FIRST_NOTICE, day(3))  # runs to day 9
    return household, notice


@pytest.mark.parametrize(
    "fields",
    [
        {"notice_until": day(5)},  # three days
        {"issued_by": ""},
        {"complaint_phone": " "},
    ],
)
def test_a_notice_needs_its_period_issuer_and_complaint_phone(record, fields):
    household = PersonFactory(household__status=Household.Status.IDENTIFYING).household
    record(household, Step.APPLICATION, day(0))
    record(household, Step.DEMOCRATIC_REVIEW, day(2))
    with pytest.raises(HouseholdError):
        record(household, Step.FIRST_NOTICE, day(3), **fields)
    assert household.identification_steps.count() == 2


def test_the_next_step_waits_for_the_end_of_the_notice(at_first_notice, record):
    household, _notice = at_first_notice
    with pytest.raises(HouseholdError):
        record(household, Step.TOWNSHIP_REVIEW, day(9))
    record(household, Step.TOWNSHIP_REVIEW, day(10))


def test_an_open_objection_holds_the_next_step_until_dismissed(at_first_notice, record):
    household, notice = at_first_notice
    objection = services.objection_record(step=notice, received_on=day(4), content="有小车")
    with pytest.raises(HouseholdError):
        record(household, Step.TOWNSHIP_REVIEW, day(12))
    with pytest.raises(HouseholdError):  # a dismissal says why
        services.objection_resolve(
            objection=objection, upheld=False, resolution=" ", resolved_on=day(8), by=None
        )
    services.objection_resolve(
        objection=objection,
        upheld=False,
        resolution="核实为借用亲戚车辆",
        resolved_on=day(8),
        by=None,
    )
    record(household, Step.TOWNSHIP_REVIEW, day(12))
    household.refresh_from_db()
    assert household.status == Household.Status.IDENTIFYING


def test_an_upheld_objection_stops_the_candidate(at_first_notice, record):
    household, notice = at_first_notice
    objection = services.objection_record(step=notice, received_on=day(4), content="家有商铺")
    services.objection_resolve(
        objection=objection, upheld=True, resolution="核实属实", resolved_on=day(8), by=None
    )
    household.refresh_from_db()
    notice.refresh_from_db()
    assert household.status == Household.Status.CANCELLED
    assert notice.outcome == IdentificationStep.Outcome.REJECTED
    assert Objection.objects.get().outcome == Objection.Outcome.UPHELD
    with pytest.raises(HouseholdError):
        record(household, Step.TOWNSHIP_REVIEW, day(12))


def test_an_objection_comes_within_the_notice_period(at_first_notice):
    _household, notice = at_first_notice
    for received in (day(2), day(10)):
        with pytest.raises(HouseholdError):
            services.objection_record(step=notice, received_on=received, content="异议")
    assert not Objection.objects.exists()


def test_the_printed_notice_names_its_period_issuer_and_phone(
    at_first_notice, as_user, township_cadre
):
    _household, notice = at_first_notice
    page = as_user(township_cadre).get(reverse("households:notice_print", args=[notice.pk]))
    body = page.content.decode()
    for text in ("2016-06-04", "2016-06-10", "示例村民委员会", "0755-12317"):
        assert text in body
