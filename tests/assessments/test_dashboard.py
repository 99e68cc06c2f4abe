import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.dashboard import area_dashboard
from assessments.models import ExitTarget
from households.models import Household
from ledgers.funds import record_payment
from teams.models import Area
from tests.assessments.conftest import YEAR, household
from tests.factories import (
    AreaFactory,
    MemberFactory,
    PresenceFactory,
    ProjectBudgetFactory,
    ProjectFactory,
    RectificationFactory,
    TeamFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2018, 3, 1)


def county_dashboard(user, year, today):
    """The dashboard of the user's own area."""
    return area_dashboard(user, user.scope_area, year, today)


def east_row(dashboard):
    return next(row for row in dashboard.rows if row.area.code == "449901101")


def test_dashboard_counts_each_figure_of_a_township(east_households, east_team, county_officer):
    ExitTarget.objects.create(township=east_team.township, year=YEAR, households=2)
    RectificationFactory(inspection__team=east_team, deadline=datetime.date(2017, 12, 1))
    RectificationFactory(inspection__team=east_team, deadline=datetime.date(2018, 1, 31))
    row = east_row(county_dashboard(county_officer, YEAR, TODAY))
    assert dict(row.figures) == {
        "in_poverty": 3,
        "returned": 1,
        "exited": 1,
        "no_cadre": 1,
        "not_visited_30": 2,
        "not_visited_90": 2,
        "ledger_incomplete": 2,
    }
    assert row.persons == 3
    assert (row.target, row.target_met) == (2, False)
    assert row.overdue == 1  # the other one is due after the 31 December the figures are taken
    assert row.six_haves_missing == 6  # no 六有 check recorded: every item counts as missing


def test_a_cadre_who_left_the_team_links_nobody(east_households, county_officer):
    member = east_households["complete"].contact_cadre
    member.left = datetime.date(2017, 6, 1)
    member.save()
    assert (
        east_row(county_dashboard(county_officer, YEAR, TODAY)).households["no_cadre"] == 3
    )  # all three still in poverty


def test_township_with_households_and_no_team_is_a_finding(county_officer, east_team):
    village = AreaFactory(code="449901105201", name="中5镇一村")
    household(village)
    dashboard = county_dashboard(county_officer, YEAR, TODAY)
    (row,) = [row for row in dashboard.rows if row.area.code == "449901105"]
    assert row.no_team == 1
    assert row.team is None


def test_long_absent_stationed_cadres_are_counted_at_the_latest_month(east_team, county_officer):
    stationed = MemberFactory(team=east_team, source="stationed", unit=UnitFactory(name="县某局"))
    for month in (1, 2, 3):
        PresenceFactory(member=stationed, month=datetime.date(2017, month, 1), days_on_site=3)
    dashboard = county_dashboard(county_officer, YEAR, TODAY)
    assert dashboard.absence_month == datetime.date(2017, 3, 1)
    assert east_row(dashboard).long_absent == 1


def test_other_county_and_city_scopes(east_households, other_county_officer, city_officer):
    assert county_dashboard(other_county_officer, YEAR, TODAY).totals.persons == 0
    assert county_dashboard(city_officer, YEAR, TODAY).totals.persons == 3


def test_county_officer_lands_on_the_dashboard(east_households, county_officer, as_user):
    response = as_user(county_officer).get(reverse("home"), {"year": YEAR})
    assert response.status_code == 200
    page = response.content.decode()
    assert "示例东1镇" in page
    assert "尚无项目" in page
    assert f"/assessments/dashboard/no_cadre/?year={YEAR}&amp;area=449901101" in page
    assert "<svg" in page


def test_persons_and_six_haves_totals_open_their_lists(east_households, county_officer, as_user):
    page = as_user(county_officer).get(reverse("home"), {"year": YEAR}).content.decode()
    # Three persons still in poverty in 东1镇, one per household not exited.
    persons = reverse("assessments:figure", args=["in_poverty"])
    assert f'<a href="{persons}?year={YEAR}&amp;area=449901101">3</a>' in page
    assert f'<a href="{reverse("teams:six_haves_shortfalls")}">' in page


def test_funds_budgeted_paid_and_flagged_per_township(east_households, county_officer, as_user):
    project = ProjectFactory(name="东镇百香果")
    ProjectBudgetFactory(project=project, source="fiscal", amount=10000)
    record_payment(
        project=project,
        source="fiscal",
        amount=2500,
        user=None,
        date=datetime.date(2017, 5, 1),
        payee="合作社",
        purpose="果苗",
    )
    funds = county_dashboard(county_officer, YEAR, TODAY).funds
    # No voucher and no plan served: the project raises supervision flags.
    east = Area.objects.get(code="449901101")
    assert funds == {"449901101": {"area": east, "budgeted": 10000, "paid": 2500, "flags": 1}}
    page = as_user(county_officer).get(reverse("home"), {"year": YEAR}).content.decode()
    assert reverse("ledgers:township_funds", args=["449901101"]) in page
    assert "/ledgers/projects/?township=449901101&amp;flagged=on" in page


def test_township_staff_keep_their_landing(township_cadre, as_user):
    response = as_user(township_cadre).get(reverse("home"))
    assert "assessments/home.html" in [t.name for t in response.templates]


def _townships(count):
    county = Area.objects.get(code="449901")
    for serial in range(count):
        township = AreaFactory(code=f"449901{200 + serial:03d}", parent=county)
        team = TeamFactory(township=township)
        village = AreaFactory(code=f"{township.code}201", parent=township)
        for _index in range(3):
            household(village, cadre=MemberFactory(team=team))
        RectificationFactory(inspection__team=team)


@pytest.mark.parametrize("townships", [1, 12])
def test_dashboard_query_count_does_not_grow_with_townships(
    townships, county_officer, as_user, django_assert_num_queries
):
    _townships(townships)
    client = as_user(county_officer)
    # session, user, OTP device, poverty lines and incomes (default year), townships, figures,
    # persons, exit targets, teams, 六有 items and checks, presence month, long absences and
    # their presences, overdue rectifications, projects with their flags, budgets and payments
    # per fund source, the pending findings per township and the names of their kinds.
    with django_assert_num_queries(21):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_figure_lists_the_households_it_counts(east_households, county_officer, as_user):
    url = reverse("assessments:figure", args=["no_cadre"])
    response = as_user(county_officer).get(url, {"year": YEAR, "area": "449901101"})
    assert [h.pk for h in response.context["page"]] == [east_households["unlinked"].pk]


@pytest.mark.parametrize("townships", [1, 8])
def test_figure_list_query_count_is_constant(
    townships, county_officer, as_user, django_assert_num_queries
):
    _townships(townships)
    client = as_user(county_officer)
    url = reverse("assessments:figure", args=["in_poverty"])
    # session, user, OTP device, count, the user's area (page header), page with its ledger
    # summary, heads.
    with django_assert_num_queries(7):
        client.get(url, {"year": YEAR})


def test_figure_list_of_a_township_outside_the_scope_is_404(
    east_households, other_county_officer, as_user
):
    url = reverse("assessments:figure", args=["in_poverty"])
    response = as_user(other_county_officer).get(url, {"year": YEAR, "area": "449901101"})
    assert response.status_code == 404


def test_unknown_figure_is_404(county_officer, as_user):
    url = reverse("assessments:figure", args=["nonsense"])
    assert as_user(county_officer).get(url, {"year": YEAR}).status_code == 404


def test_dashboard_downloads_as_xlsx(east_households, county_officer, as_user):
    response = as_user(county_officer).get(reverse("assessments:dashboard_xlsx"), {"year": YEAR})
    sheet = load_workbook(filename=io.BytesIO(response.content))["乡镇"]
    rows = list(sheet.values)
    east = next(r for r in rows if r[0] == "示例东1镇")
    assert east[1:8] == (3, 1, 1, 1, 2, 2, 2)
    assert Household.objects.count() == 4


def test_year_box_shows_the_default_year_before_one_is_chosen(county_officer, as_user):
    response = as_user(county_officer).get(reverse("home"))
    year = response.context["dashboard"].year
    assert f'<option value="{year}" selected>' in response.content.decode()


def test_default_year_is_the_latest_year_with_lines_and_recorded_incomes(db):
    from assessments.dashboard import default_year
    from tests.factories import IncomeFactory

    IncomeFactory(year=2017)
    # The lines are published for 2016–2020 (seeded); nothing is recorded after 2017.
    assert default_year(datetime.date(2030, 1, 1)) == 2017
    assert default_year(datetime.date(2018, 5, 1)) == 2018
