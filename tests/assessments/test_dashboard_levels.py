"""The dashboard at every level (issue 19, item 2): a province sees one row per city, a city
one per county, a county one per township, a township one per village; each row links one
level down and holds exactly what the dashboard of its area totals."""

import datetime
import io
import random
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.dashboard import HOUSEHOLD_FIGURES, area_dashboard
from assessments.models import ExitTarget
from households.models import Household
from teams.models import Area, User
from tests.assessments.conftest import household
from tests.factories import (
    AreaFactory,
    MemberFactory,
    RectificationFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2018, 3, 1)
YEAR = 2017
Status = Household.Status
#: Two cities, one with two counties, one (like 东莞) with townships directly under it.
TOWNSHIPS = ["449901101", "449901102", "449902101", "449800101", "449800102"]


@pytest.fixture
def province_officer(db):
    return UserFactory(
        username="province", role=User.Role.PROVINCE, is_staff=True, area=AreaFactory(code="44")
    )


@pytest.fixture(params=[1, 2, 3])
def registry(request, db):
    """Households of every status scattered over the villages of five townships, some teams,
    targets, visits and overdue rectifications, drawn from a seeded generator."""
    rng = random.Random(request.param)
    AreaFactory(code="4498", name="直管市")
    for code in TOWNSHIPS:
        parent = code[:4] if code.startswith("4498") else code[:6]
        township = AreaFactory(code=code, parent=AreaFactory(code=parent))
        team = TeamFactory(township=township) if rng.random() < 0.8 else None
        if team:
            ExitTarget.objects.create(township=township, year=YEAR, households=rng.randrange(3))
            for _index in range(rng.randrange(2)):
                RectificationFactory(inspection__team=team, deadline=datetime.date(2017, 6, 1))
        for v in range(rng.randrange(1, 4)):
            village = AreaFactory(code=f"{code}{201 + v:03d}", parent=township)
            for _index in range(rng.randrange(4)):
                cadre = MemberFactory(team=team) if team and rng.random() < 0.7 else None
                made = household(
                    village,
                    cadre=cadre,
                    status=rng.choice(list(Status)),
                    exited_on=datetime.date(YEAR, 5, 1),
                )
                if rng.random() < 0.5:
                    VisitFactory(household=made, date=datetime.date(YEAR, 12, rng.randrange(1, 31)))


def figures(row):
    return (
        dict(row.figures),
        row.persons,
        row.target,
        row.six_haves_missing,
        row.no_team,
        row.long_absent,
        row.overdue,
    )


def test_every_row_is_the_dashboard_of_its_area(registry, province_officer):
    """Walk from the province down to the villages: each row equals the total of the
    dashboard one level down, so every level adds up to the one below."""
    top = area_dashboard(province_officer, province_officer.scope_area, YEAR, TODAY)
    assert [row.area.code for row in top.rows] == ["4498", "4499"]
    pending, levels = [top], set()
    while pending:
        dashboard = pending.pop()
        for row in dashboard.rows:
            levels.add(row.area.level)
            if row.is_village:
                continue
            below = area_dashboard(province_officer, row.area, YEAR, TODAY)
            assert figures(below.totals) == figures(row), row.area.code
            pending.append(below)
    assert levels == {Area.Level.CITY, Area.Level.COUNTY, Area.Level.TOWNSHIP, Area.Level.VILLAGE}
    in_poverty = Household.objects.filter(status__in=Household.ACTIVE_STATUSES).count()
    assert top.totals.households["in_poverty"] == in_poverty


def test_a_city_sees_its_counties_and_a_township_its_villages(registry, city_officer):
    city = area_dashboard(city_officer, city_officer.scope_area, YEAR, TODAY)
    assert [row.area.code for row in city.rows] == ["449901", "449902"]
    township = area_dashboard(city_officer, Area.objects.get(code="449901101"), YEAR, TODAY)
    assert {row.area.level for row in township.rows} == {Area.Level.VILLAGE}
    # The township's own figures (its team's target, its rectifications) are in the total.
    target = ExitTarget.objects.filter(township="449901101").first()
    assert township.totals.target == (target.households if target else None)


def test_rows_link_one_level_down_and_the_trail_back_up(registry, city_officer, as_user):
    client = as_user(city_officer)
    page = client.get(reverse("home"), {"year": YEAR}).content.decode()
    assert f'href="/?year={YEAR}&amp;area=449901"' in page
    assert f"{city_officer.area.name} {YEAR} 年工作台" in page.split("</title>")[0]
    assert f"{YEAR} 年各县（市、区）贫困户情况" in page  # the chart names the level too
    county = client.get(reverse("home"), {"year": YEAR, "area": "449901"})
    assert [row.area.code for row in county.context["dashboard"].rows] == TOWNSHIPS[:2]
    page = county.content.decode()
    assert f'<a href="/?year={YEAR}&amp;area=4499">' in page  # back up to the city
    assert f'href="/?year={YEAR}&amp;area=449901101"' in page
    township = client.get(reverse("home"), {"year": YEAR, "area": "449901101"}).content.decode()
    village = reverse("assessments:figure", args=["in_poverty"])
    assert f'href="{village}?year={YEAR}&amp;area=449901101201"' in township


def test_an_area_outside_the_scope_shows_the_users_own(registry, county_officer, as_user):
    response = as_user(county_officer).get(reverse("home"), {"area": "449902"})
    assert response.context["dashboard"].area.code == "449901"
    response = as_user(county_officer).get(reverse("home"), {"area": "449901101201"})
    assert response.context["dashboard"].area.code == "449901"  # villages list households


def test_the_workbook_follows_the_level(registry, city_officer, as_user):
    response = as_user(city_officer).get(reverse("assessments:dashboard_xlsx"), {"year": YEAR})
    name = f"{city_officer.area.name} {YEAR} 年工作台.xlsx"
    assert quote(name) in response["Content-Disposition"]
    rows = list(load_workbook(filename=io.BytesIO(response.content)).active.values)
    dashboard = area_dashboard(city_officer, city_officer.scope_area, YEAR, TODAY)
    names = [row.area.name for row in dashboard.rows]
    assert [r[0] for r in rows[2:-1]] == names
    assert rows[1][0] == str(Area.Level.COUNTY.label)
    assert rows[-1][1 : 1 + len(HOUSEHOLD_FIGURES)] == tuple(
        dashboard.totals.households[name] for name in HOUSEHOLD_FIGURES
    )


@pytest.mark.parametrize(
    ("user", "queries"), [("province_officer", 20), ("city_officer", 20), ("county_officer", 19)]
)
def test_the_query_count_is_the_same_at_every_level(
    registry, user, queries, request, as_user, django_assert_num_queries
):
    client = as_user(request.getfixturevalue(user))
    client.get(reverse("home"), {"year": YEAR})  # above a county: takes the year's snapshot
    # As the county dashboard's query count test, less the two that find the default year;
    # above a county, the snapshot, its rows and its breakdown instead of the two household
    # aggregates.
    with django_assert_num_queries(queries):
        client.get(reverse("home"), {"year": YEAR})
