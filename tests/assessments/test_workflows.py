import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    CadreAssessment,
    ExitReview,
    ExitStep,
    Outcome,
    Rectification,
    TeamAssessment,
)
from households.models import Household, StatusChange
from ledgers.funds import record_payment, reverse_payment
from ledgers.models import Guarantee, Measure
from tests.assessments.conftest import YEAR
from tests.factories import (
    InspectionFactory,
    MeasureFactory,
    MemberFactory,
    ProjectBudgetFactory,
    ProjectFactory,
    RectificationFactory,
)

pytestmark = pytest.mark.django_db
Step = ExitStep.Step


# Inspections and rectifications.


def test_county_records_an_inspection_and_its_items(county_officer, east_team, as_user):
    client = as_user(county_officer)
    response = client.post(
        reverse("assessments:inspection_create"),
        {
            "team": east_team.pk,
            "date": "2017-06-01",
            "kind": "random",
            "inspectors": "县扶贫办",
            "findings": "走访记录不全",
        },
    )
    inspection = east_team.inspections.get()
    assert response.url == inspection.get_absolute_url()
    client.post(
        inspection.get_absolute_url(),
        {"item": "补齐走访记录", "owner": "东镇书记", "deadline": "2017-07-01"},
    )
    assert inspection.rectifications.get().owner == "东镇书记"


def test_county_cannot_inspect_a_team_of_another_county(other_county_officer, east_team, as_user):
    response = as_user(other_county_officer).post(
        reverse("assessments:inspection_create"),
        {
            "team": east_team.pk,
            "date": "2017-06-01",
            "kind": "random",
            "inspectors": "x",
            "findings": "x",
        },
    )
    assert response.status_code == 200
    assert not east_team.inspections.exists()


def test_leader_closes_an_item_only_with_evidence(township_leader, east_team, as_user):
    item = RectificationFactory(inspection__team=east_team)
    url = reverse("assessments:rectification_edit", args=[item.pk])
    client = as_user(township_leader)
    data = {"progress": "已补齐", "closed_on": "2017-06-20", "version": item.version}
    response = client.post(url, {**data, "evidence": ""})
    assert "销号前请说明整改完成的佐证" in response.content.decode()
    item.refresh_from_db()
    assert item.closed_on is None
    assert item.progress == ""
    client.post(url, {**data, "evidence": "台账照片"})
    item.refresh_from_db()
    assert item.closed_on == datetime.date(2017, 6, 20)


def test_plain_cadre_cannot_report_progress(township_cadre, east_team, as_user):
    item = RectificationFactory(inspection__team=east_team)
    url = reverse("assessments:rectification_edit", args=[item.pk])
    assert as_user(township_cadre).get(url).status_code == 403


def test_overdue_filter_lists_open_items_past_their_deadline(county_officer, east_team, as_user):
    inspection = InspectionFactory(team=east_team)
    late = RectificationFactory(inspection=inspection, deadline=datetime.date(2017, 1, 1))
    RectificationFactory(
        inspection=inspection,
        deadline=datetime.date(2017, 1, 1),
        closed_on=datetime.date(2017, 1, 1),
        evidence="已整改",
    )
    RectificationFactory(inspection=inspection, deadline=datetime.date(2099, 1, 1))
    response = as_user(county_officer).get(
        reverse("assessments:rectifications"), {"overdue": "1", "township": "449901101"}
    )
    assert list(response.context["page"]) == [late]
    assert Rectification.objects.overdue(datetime.date(2018, 1, 1)).count() == 1


# Exit review.


def test_household_meeting_the_rule_is_proposed(east_households):
    candidates = services.exit_candidates(Household.objects.all(), YEAR)
    assert list(candidates) == [east_households["complete"]]


def test_household_with_an_unmet_guarantee_is_not_proposed(east_households):
    Guarantee.objects.filter(household=east_households["complete"]).update(
        housing=Guarantee.State.NOT_MET
    )
    assert not services.exit_candidates(Household.objects.all(), YEAR).exists()
    with pytest.raises(services.AssessmentError):
        services.exit_review_propose(
            household=east_households["complete"], year=YEAR, by=None, date=timezone.localdate()
        )
    assert not ExitReview.objects.exists()


#: The public notice of an exit: seven days, its issuer, the complaint phone.
NOTICE = {"issued_by": "示例村民委员会", "complaint_phone": "0755-12317"}


def _steps(review, county_officer, *, until=Step.ANNOUNCEMENT):
    for index, step in enumerate(Step):
        on = datetime.date(2017, 12, 1 + 8 * index)
        services.exit_record_step(
            review=review,
            step=step,
            date=on,
            responsible="县扶贫办",
            outcome=ExitStep.Outcome.PASSED,
            by=county_officer,
            **(
                {**NOTICE, "notice_until": on + datetime.timedelta(days=6)}
                if step == Step.NOTICE
                else {}
            ),
        )
        if step == until:
            return


def test_announced_exit_takes_the_household_out_of_poverty_with_its_history(
    east_households, county_officer
):
    household = east_households["complete"]
    review = services.exit_review_propose(
        household=household, year=YEAR, by=county_officer, date=datetime.date(2017, 11, 30)
    )
    _steps(review, county_officer, until=Step.NOTICE)
    household.refresh_from_db()
    assert household.status == Household.Status.REGISTERED
    services.exit_record_step(
        review=review,
        step=Step.ANNOUNCEMENT,
        date=datetime.date(2017, 12, 25),
        responsible="县扶贫办",
        outcome=ExitStep.Outcome.PASSED,
        by=county_officer,
    )
    household.refresh_from_db()
    assert (household.status, household.exited_on) == ("exited", datetime.date(2017, 12, 25))
    assert StatusChange.objects.filter(household=household, new_status="exited").exists()


def test_steps_go_in_order(east_households, county_officer):
    review = services.exit_review_propose(
        household=east_households["complete"], year=YEAR, by=None, date=datetime.date(2017, 11, 1)
    )
    with pytest.raises(services.AssessmentError, match="村镇审核"):
        services.exit_record_step(
            review=review,
            step=Step.NOTICE,
            date=datetime.date(2017, 12, 1),
            responsible="x",
            outcome="passed",
            by=None,
        )
    assert not review.steps.exists()


def test_exit_review_page_records_a_step(east_households, county_officer, as_user):
    review = services.exit_review_propose(
        household=east_households["complete"], year=YEAR, by=None, date=datetime.date(2017, 11, 1)
    )
    response = as_user(county_officer).post(
        review.get_absolute_url(),
        {"step": "review", "date": "2017-11-05", "responsible": "镇审核组", "outcome": "passed"},
    )
    assert response.status_code == 302
    assert review.steps.get().responsible == "镇审核组"


def test_propose_through_the_page(east_households, county_officer, as_user):
    household = east_households["complete"]
    response = as_user(county_officer).post(
        reverse("assessments:exit_propose", args=[household.pk]), {"year": YEAR}
    )
    review = ExitReview.objects.get(household=household, year=YEAR)
    assert response.url == review.get_absolute_url()


# Yearly assessment.


def test_compute_snapshots_team_and_cadre_metrics(east_households, east_team, township_cadre):
    services.assessments_compute(teams=[east_team], year=YEAR)
    metrics = TeamAssessment.objects.get(team=east_team, year=YEAR).metrics
    assert metrics["in_poverty"] == 3
    assert metrics["linked"] == 2
    assert metrics["coverage"] == 0.667
    assert metrics["exited"] == 1
    assert metrics["visits"] == 1
    assert metrics["planned"] == 1
    cadre = township_cadre.member.assessments.get(year=YEAR).metrics
    assert (cadre["households"], cadre["exited"]) == (2, 1)


SPRING = datetime.date(2017, 4, 1)


def _pay(project, amount, date):
    return record_payment(
        project=project, source="fiscal", amount=amount, user=None, date=date, payee="合作社",
        purpose="果苗",
    )  # fmt: skip


def test_team_funds_are_payments_of_the_year_net_of_reversals_against_budgets(
    east_households, east_team, west_team
):
    running = ProjectBudgetFactory(amount=10000).project
    ProjectBudgetFactory(project=running, source="unit", amount=10000)
    _pay(running, 6000, datetime.date(2017, 5, 1))
    wrong = _pay(running, 1000, datetime.date(2017, 6, 1))
    reverse_payment(wrong, user=None, date=datetime.date(2017, 6, 2), purpose="冲正", voucher="")
    _pay(running, 500, datetime.date(2018, 1, 5))  # paid the next year
    ended = ProjectFactory(starts_on=datetime.date(2016, 3, 1), ends_on=datetime.date(2016, 12, 1))
    ProjectBudgetFactory(project=ended, amount=99000)  # not running in 2017
    _pay(ProjectBudgetFactory(project__township=west_team.township).project, 10000, SPRING)
    metrics = services.team_metrics([east_team], YEAR)[east_team.pk]
    assert (metrics["paid"], metrics["budgeted"]) == (6000, 20000)
    assert metrics["funds_against_budget"] == 0.3


def test_cadre_plan_completion_is_measures_done_against_all_of_the_year(
    east_households, township_cadre
):
    cadre = township_cadre.member
    household = east_households["complete"]
    MeasureFactory(household=household, responsible=cadre, status=Measure.Status.DONE)
    MeasureFactory(household=household, responsible=cadre)
    metrics = services.cadre_metrics([cadre], YEAR)[cadre.pk]
    assert (metrics["measures"], metrics["measures_done"], metrics["plan_completion"]) == (
        2,
        1,
        0.5,
    )


def test_recompute_keeps_the_score_and_grade(east_households, east_team):
    services.assessments_compute(teams=[east_team], year=YEAR)
    TeamAssessment.objects.update(score=91, grade="excellent")
    services.assessments_compute(teams=[east_team], year=YEAR)
    assessment = TeamAssessment.objects.get()
    assert (assessment.score, assessment.grade) == (91, "excellent")


def test_county_grades_a_team_and_records_a_talk(east_team, county_officer, as_user):
    services.assessments_compute(teams=[east_team], year=YEAR)
    assessment = TeamAssessment.objects.get()
    client = as_user(county_officer)
    url = reverse("assessments:team_assessment", args=[assessment.pk])
    client.post(
        url,
        {"score": "58", "grade": "poor", "comment": "任务未完成", "version": assessment.version},
    )
    assessment.refresh_from_db()
    assert assessment.grade == "poor"
    outcome_url = reverse("assessments:outcome_add", args=[assessment.pk])
    response = client.post(outcome_url, {"kind": "rectify", "date": "2018-01-10"})
    assert "限期整改须有整改期限和责任人" in response.content.decode()
    assert not Outcome.objects.exists()
    client.post(outcome_url, {"kind": "talk", "date": "2018-01-10", "owner": "县委组织部"})
    assert Outcome.objects.get().kind == "talk"


def test_city_reads_the_assessment_but_cannot_grade(east_team, city_officer, as_user):
    services.assessments_compute(teams=[east_team], year=YEAR)
    url = reverse("assessments:team_assessment", args=[TeamAssessment.objects.get().pk])
    client = as_user(city_officer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"score": "99", "grade": "excellent"}).status_code == 403


def test_yearly_report_downloads(east_team, county_officer, as_user):
    services.assessments_compute(teams=[east_team], year=YEAR)
    response = as_user(county_officer).get(reverse("assessments:assessment_xlsx"), {"year": YEAR})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_exit_rule_and_the_ledger_read_every_guarantee_alike(east_households):
    """The one rule "every guarantee met", in the exit review's SQL and on the ledger's page,
    for all 81 combinations of the four items' states (an item that does not apply is met)."""
    guarantee = Guarantee.objects.get(household=east_households["complete"])
    for states in itertools.product(Guarantee.State.values, repeat=len(Guarantee.ITEMS)):
        for (state, _evidence), value in zip(Guarantee.ITEMS, states, strict=True):
            setattr(guarantee, state, value)
        guarantee.save()
        proposed = services.exit_candidates(Household.objects.all(), YEAR).exists()
        expected = Guarantee.State.NOT_MET not in states
        assert proposed == guarantee.all_met == expected, states


def test_a_year_is_assessed_on_the_members_who_served_in_it(east_team):
    """A member who joined later is not in an earlier year's assessment; one who left during
    the year is; an ungraded assessment left from before is removed, a graded one kept."""
    joined_later = MemberFactory(team=east_team, joined=datetime.date(YEAR + 1, 3, 1))
    left_during = MemberFactory(team=east_team, left=datetime.date(YEAR, 6, 30))
    left_before = MemberFactory(team=east_team, left=datetime.date(YEAR - 1, 12, 31))
    serving = MemberFactory(team=east_team)
    graded = MemberFactory(team=east_team, joined=datetime.date(YEAR + 1, 1, 1))
    for member in (joined_later, graded):  # as an earlier computation had left them
        CadreAssessment.objects.create(member=member, year=YEAR)
    CadreAssessment.objects.filter(member=graded).update(grade="good")
    services.assessments_compute(teams=[east_team], year=YEAR)
    assessed = set(CadreAssessment.objects.filter(year=YEAR).values_list("member", flat=True))
    assert {left_during.pk, serving.pk, graded.pk} <= assessed
    assert joined_later.pk not in assessed
    assert left_before.pk not in assessed
