import datetime

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import CadreAssessment, Outcome, TeamAssessment
from teams.models import Area
from tests.assessments.conftest import YEAR
from tests.factories import AreaFactory, MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
REPORT = reverse("assessments:assessment_report")


@pytest.fixture
def graded(east_team, west_team, township_cadre):
    """Both teams assessed for the year; 东1镇 graded, with its cadre and a circular."""
    services.assessments_compute(teams=[east_team, west_team], year=YEAR)
    TeamAssessment.objects.filter(team=east_team).update(score=88, grade="good", comment="台账规范")
    CadreAssessment.objects.filter(member=township_cadre.member).update(grade="excellent")
    Outcome.objects.create(
        kind=Outcome.Kind.CIRCULAR,
        team=east_team,
        year=YEAR,
        date=datetime.date(2018, 1, 15),
        note="东镇通报表扬",
    )


def test_report_shows_teams_cadres_scores_grades_and_outcomes(
    graded, township_cadre, county_officer, as_user
):
    response = as_user(county_officer).get(REPORT, {"year": YEAR})
    page = response.content.decode()
    assert f"年度考核报告 {YEAR}" in page
    assert "示例东1镇" in page
    assert "示例西2镇" in page
    assert "88.0" in page
    assert "良好" in page
    assert "台账规范" in page
    assert township_cadre.member.name in page
    assert "优秀" in page
    assert "通报" in page
    assert "东镇通报表扬" in page
    assert "项目资金拨付占预算比例" in page
    assert "assessments/report.css" in page
    assert "data-print" in page


def test_other_county_sees_nothing_of_this_county_in_the_report(
    graded, other_county_officer, as_user
):
    page = as_user(other_county_officer).get(REPORT, {"year": YEAR}).content.decode()
    assert "示例东1镇" not in page
    assert "东镇通报表扬" not in page
    assert "本年度尚未计算考核" in page


def test_township_user_sees_only_their_own_township(graded, outsider, as_user):
    page = as_user(outsider).get(REPORT, {"year": YEAR}).content.decode()
    assert "示例西2镇" in page
    assert "示例东1镇" not in page
    assert "台账规范" not in page


def test_city_reads_the_report(graded, city_officer, as_user):
    page = as_user(city_officer).get(REPORT, {"year": YEAR}).content.decode()
    assert "示例东1镇" in page
    assert "台账规范" in page


def test_assessments_page_links_the_printable_report(county_officer, as_user):
    page = as_user(county_officer).get(reverse("assessments:assessments"), {"year": YEAR})
    assert f"{REPORT}?year={YEAR}" in page.content.decode()


@pytest.mark.parametrize("townships", [1, 10])
def test_report_query_count_does_not_grow_with_teams(
    townships, county_officer, as_user, django_assert_num_queries
):
    county = Area.objects.get(code="449901")
    teams = []
    for serial in range(townships):
        team = TeamFactory(township=AreaFactory(code=f"449901{200 + serial:03d}", parent=county))
        MemberFactory(team=team)
        teams.append(team)
    services.assessments_compute(teams=teams, year=YEAR)
    client = as_user(county_officer)
    # session, user, OTP device, team assessments, cadre assessments, the user's area (page
    # header), outcomes.
    with django_assert_num_queries(7):
        client.get(REPORT, {"year": YEAR})


# Closing outcomes.


@pytest.fixture
def talk(east_team):
    return Outcome.objects.create(
        kind=Outcome.Kind.TALK, team=east_team, year=YEAR, date=datetime.date(2018, 1, 10)
    )


def close_url(outcome):
    return reverse("assessments:outcome_close", args=[outcome.pk])


def test_county_closes_an_outcome_from_the_assessments_page(talk, county_officer, as_user):
    client = as_user(county_officer)
    page = client.get(reverse("assessments:assessments"), {"year": YEAR}).content.decode()
    assert close_url(talk) in page
    back = f"{reverse('assessments:assessments')}?year={YEAR}"
    response = client.post(
        close_url(talk),
        {"closed_on": "2018-02-01", "closing_note": "已约谈并整改", "next": back, "version": 1},
    )
    assert response.status_code == 302
    assert response.url == back
    talk.refresh_from_db()
    assert (talk.closed_on, talk.closing_note) == (datetime.date(2018, 2, 1), "已约谈并整改")
    page = client.get(back).content.decode()
    assert "2018-02-01" in page
    assert "已约谈并整改" in page
    assert close_url(talk) not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"closed_on": "2018-02-01"}, "销号说明：这个字段是必填项。"),
        ({"closed_on": "2018-01-01", "closing_note": "已整改"}, "销号日期不能早于处理日期"),
    ],
)
def test_bad_closing_changes_nothing_and_says_why(talk, county_officer, as_user, data, message):
    response = as_user(county_officer).post(close_url(talk), data, follow=True)
    assert message in response.content.decode()
    talk.refresh_from_db()
    assert talk.closed_on is None
    assert talk.closing_note == ""


def test_a_closed_outcome_is_not_closed_again(talk, county_officer, as_user):
    Outcome.objects.filter(pk=talk.pk).update(
        closed_on=datetime.date(2018, 2, 1), closing_note="已整改"
    )
    data = {"closed_on": "2018-03-01", "closing_note": "再次销号"}
    response = as_user(county_officer).post(close_url(talk), data, follow=True)
    assert "该处理结果已销号" in response.content.decode()
    talk.refresh_from_db()
    assert (talk.closed_on, talk.closing_note) == (datetime.date(2018, 2, 1), "已整改")


@pytest.mark.parametrize("persona", ["township_leader", "city_officer"])
def test_only_county_officers_close_outcomes(talk, persona, request, as_user):
    client = as_user(request.getfixturevalue(persona))
    data = {"closed_on": "2018-02-01", "closing_note": "已整改"}
    assert client.post(close_url(talk), data).status_code == 403
    talk.refresh_from_db()
    assert talk.closed_on is None


def test_closing_an_outcome_outside_the_scope_is_404(talk, other_county_officer, as_user):
    data = {"closed_on": "2018-02-01", "closing_note": "已整改"}
    assert as_user(other_county_officer).post(close_url(talk), data).status_code == 404


def test_closing_is_post_only(talk, county_officer, as_user):
    assert as_user(county_officer).get(close_url(talk)).status_code == 405


def test_closing_never_sends_elsewhere(talk, county_officer, as_user):
    data = {"closed_on": "2018-02-01", "closing_note": "已整改", "next": "https://evil.example/"}
    response = as_user(county_officer).post(close_url(talk), data)
    assert response.url == f"{reverse('assessments:assessments')}?year={YEAR}"


def test_a_cadres_assessment_is_for_the_county_and_the_cadre_only(
    graded, east_team, township_cadre, township_leader, county_officer, as_user
):
    """Township staff read their colleagues' yearly scores, grades and comments."""
    CadreAssessment.objects.filter(member=township_cadre.member).update(comment="东镇干部个人评语")
    report = REPORT + f"?year={YEAR}"
    assert "东镇干部个人评语" in as_user(township_cadre).get(report).content.decode()
    assert "东镇干部个人评语" in as_user(county_officer).get(report).content.decode()
    assert "东镇干部个人评语" not in as_user(township_leader).get(report).content.decode()
    # The team's page lists the cadres' figures: the cadre assessed is not among them for the
    # leader.
    team_page = reverse(
        "assessments:team_assessment", args=[TeamAssessment.objects.get(team=east_team).pk]
    )
    name = township_cadre.member.name
    assert name in as_user(county_officer).get(team_page).content.decode()
    assert name not in as_user(township_leader).get(team_page).content.decode()
    xlsx = as_user(township_leader).get(reverse("assessments:assessment_xlsx"), {"year": YEAR})
    assert "东镇干部个人评语".encode() not in xlsx.content
