"""The exit's public notice (脱贫公示) follows the rules of every notice: its period, issuer and
complaint phone; objections resolved before the announcement; an upheld one ends the review."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import ExitObjection, ExitStep, exited_in
from households.models import Household
from tests.assessments.conftest import YEAR

Step = ExitStep.Step
NOTICE_DAY = datetime.date(2017, 12, 3)


@pytest.fixture
def review(east_households, county_officer):
    review = services.exit_review_propose(
        household=east_households["complete"],
        year=YEAR,
        by=county_officer,
        date=datetime.date(2017, 12, 1),
    )
    for step, on in ((Step.REVIEW, 1), (Step.AGREEMENT, 2)):
        services.exit_record_step(
            review=review,
            step=step,
            date=datetime.date(2017, 12, on),
            responsible="镇帮扶工作组",
            outcome="passed",
            by=county_officer,
        )
    return review


def notice(review, **kwargs):
    values = {
        "notice_until": NOTICE_DAY + datetime.timedelta(days=6),
        "issued_by": "示例村民委员会",
        "complaint_phone": "0755-12317",
    }
    values.update(kwargs)
    return services.exit_record_step(
        review=review,
        step=Step.NOTICE,
        date=NOTICE_DAY,
        responsible="村委",
        outcome="passed",
        by=None,
        **values,
    )


def announce(review, on):
    return services.exit_record_step(
        review=review,
        step=Step.ANNOUNCEMENT,
        date=on,
        responsible="县扶贫办",
        outcome="passed",
        by=None,
    )


@pytest.mark.parametrize(
    "fields", [{"notice_until": NOTICE_DAY}, {"issued_by": ""}, {"complaint_phone": ""}]
)
def test_an_exit_notice_needs_its_period_issuer_and_phone(review, fields):
    with pytest.raises(services.AssessmentError):
        notice(review, **fields)
    assert review.steps.count() == 2


def test_the_announcement_waits_for_the_notice_and_its_objections(review):
    step = notice(review)  # runs to 12-09
    with pytest.raises(services.AssessmentError):
        announce(review, datetime.date(2017, 12, 9))
    objection = services.exit_objection_record(
        step=step, received_on=datetime.date(2017, 12, 5), content="家中新购小车"
    )
    with pytest.raises(services.AssessmentError):
        announce(review, datetime.date(2017, 12, 12))
    services.exit_objection_resolve(
        objection=objection,
        upheld=False,
        resolution="车辆为亲属所有",
        resolved_on=datetime.date(2017, 12, 8),
        by=None,
    )
    announce(review, datetime.date(2017, 12, 12))
    review.household.refresh_from_db()
    assert review.household.status == Household.Status.EXITED


def test_an_upheld_objection_ends_the_review(review):
    step = notice(review)
    objection = services.exit_objection_record(
        step=step, received_on=datetime.date(2017, 12, 5), content="收入未达标"
    )
    services.exit_objection_resolve(
        objection=objection,
        upheld=True,
        resolution="核实收入不足",
        resolved_on=datetime.date(2017, 12, 8),
        by=None,
    )
    step.refresh_from_db()
    assert step.outcome == ExitStep.Outcome.REJECTED
    with pytest.raises(services.AssessmentError):
        announce(review, datetime.date(2017, 12, 12))
    review.household.refresh_from_db()
    assert review.household.status == Household.Status.REGISTERED


def test_the_county_records_and_resolves_an_objection_on_the_review_page(
    review, county_officer, as_user
):
    step = notice(review)
    client = as_user(county_officer)
    client.post(
        reverse("assessments:exit_objection_add", args=[step.pk]),
        {"received_on": "2017-12-05", "content": "有异议"},
    )
    objection = ExitObjection.objects.get()
    client.post(
        reverse("assessments:exit_objection_resolve", args=[objection.pk]),
        {"upheld": "dismissed", "resolution": "不属实", "resolved_on": "2017-12-08"},
    )
    objection.refresh_from_db()
    assert (objection.outcome, objection.resolution) == (ExitObjection.Outcome.DISMISSED, "不属实")
    page = client.get(review.get_absolute_url()).content.decode()
    assert "0755-12317" in page
    assert "不属实" in page


# Back-filled reviews: true dates, and the exit counts in the review's year.


def test_a_paper_review_is_entered_with_its_dates_and_counts_in_its_year(
    east_households, east_team, county_officer, as_user
):
    household = east_households["complete"]
    client = as_user(county_officer)
    client.post(
        reverse("assessments:exit_propose", args=[household.pk]),
        {"year": YEAR, "date": "2017-12-01"},
    )
    review = household.exit_reviews.get()
    assert (review.year, review.proposed_on) == (YEAR, datetime.date(2017, 12, 1))
    for step, on in ((Step.REVIEW, 1), (Step.AGREEMENT, 2)):
        services.exit_record_step(
            review=review,
            step=step,
            date=datetime.date(2017, 12, on),
            responsible="镇帮扶工作组",
            outcome="passed",
            by=None,
        )
    notice(review)
    announce(review, datetime.date(2018, 1, 10))  # the county announced it in January
    exits = Household.objects.filter(exited_in(YEAR))
    assert list(exits) == [household, east_households["exited"]]
    assert not Household.objects.filter(exited_in(YEAR + 1)).exists()
    assert services.team_metrics([east_team], YEAR)[east_team.pk]["exited"] == 2


def test_a_proposal_is_never_dated_in_the_future(east_households):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(services.AssessmentError):
        services.exit_review_propose(
            household=east_households["complete"], year=YEAR, by=None, date=tomorrow
        )
    assert not east_households["complete"].exit_reviews.exists()
