import re

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from households.models import Household
from tests.factories import AreaFactory, HouseholdFactory, reference

pytestmark = pytest.mark.django_db
Status = Household.Status
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def villages(east_team):
    return [
        AreaFactory(code="449901101201", name="石塘1村"),
        AreaFactory(code="449901101202", name="新坑&<2>村"),
    ]


def url(code="449901101"):
    return reverse("households:map", args=[code])


def svgs(response):
    """Each inline chart of the page, parsed as XML: it must be well formed."""
    html = response.content.decode()
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]


def texts(svg):
    return ["".join(element.itertext()).strip() for element in svg.iter(f"{SVG}text")]


def add(village, count, status=Status.REGISTERED, cause="因病"):
    for _ in range(count):
        HouseholdFactory(village=village, status=status, main_cause=reference("cause", cause))


def test_map_draws_households_by_village_and_status(as_user, township_cadre, villages):
    add(villages[0], 7)
    add(villages[0], 2, Status.EXITED)
    add(villages[1], 3, Status.RETURNED, cause="缺劳力")
    add(villages[1], 5, Status.CANCELLED)
    response = as_user(township_cadre).get(url())
    assert response.status_code == 200
    by_status, by_cause = svgs(response)
    assert by_status.get("role") == "img"
    title = by_status.find(f"{SVG}title").text
    assert "示例东1镇" in title
    assert "攻坚图" in title
    labels = texts(by_status)
    # village names escaped, each bar's total, segments with room for their count
    assert "新坑&<2>村" in labels
    assert "7" in labels
    assert "9" in labels
    assert "3" in labels
    assert "合计：12 户" in labels
    assert "5" not in labels  # cancelled households are not drawn
    cause_labels = texts(by_cause)
    assert "因病" in cause_labels
    assert "缺劳力" in cause_labels
    assert "合计：10 户" in cause_labels  # still in poverty: registered and back in poverty


def test_map_escapes_names(as_user, township_cadre, villages):
    html = as_user(township_cadre).get(url()).content.decode()
    assert "新坑&amp;&lt;2&gt;村" in html
    assert "新坑&<2>村" not in html


def test_tables_beside_the_charts_repeat_the_numbers(as_user, township_cadre, villages):
    add(villages[0], 4)
    add(villages[0], 1, Status.IDENTIFYING, cause="因学")
    response = as_user(township_cadre).get(url())
    status_chart = response.context["status_chart"]
    assert [(bar.label, bar.counts) for bar in status_chart.bars] == [
        ("石塘1村", [1, 4, 0, 0]),
        ("新坑&<2>村", [0, 0, 0, 0]),
    ]
    assert status_chart.series_totals == [1, 4, 0, 0]
    cause_chart = response.context["cause_chart"]
    assert [(bar.label, bar.counts) for bar in cause_chart.bars] == [("因病", [4])]
    html = response.content.decode()
    assert '<th scope="row">石塘1村</th>' in html
    assert html.count("<table") == 2


def test_map_is_printable_on_one_landscape_page(as_user, township_cadre, villages):
    html = as_user(township_cadre).get(url()).content.decode()
    assert "households/map.css" in html
    with open("households/static/households/map.css") as css:
        assert "size: A4 landscape" in css.read()


def test_township_without_team_has_a_map_too(as_user, county_officer):
    village = AreaFactory(code="449901105201", name="石门1村")
    add(village, 2)
    response = as_user(county_officer).get(url("449901105"))
    assert response.status_code == 200
    assert "石门1村" in texts(svgs(response)[0])


def test_outsider_and_other_county_get_404(as_user, outsider, other_county_officer, villages):
    assert as_user(outsider).get(url()).status_code == 404
    assert as_user(other_county_officer).get(url()).status_code == 404


def test_a_village_code_is_not_a_township(as_user, county_officer, villages):
    assert as_user(county_officer).get(url(villages[0].code)).status_code == 404


def test_query_count_does_not_grow_with_households_or_villages(
    as_user, county_officer, villages, django_assert_num_queries
):
    client = as_user(county_officer)
    add(villages[0], 1)
    # session, user, township, counts by status, villages, counts by cause, user's area
    with django_assert_num_queries(8):
        client.get(url())
    for n in range(10, 20):
        village = AreaFactory(code=f"4499011012{n}")
        add(village, 2)
        add(village, 1, Status.EXITED, cause="因残")
    with django_assert_num_queries(8):
        response = client.get(url())
    assert len(response.context["status_chart"].bars) == 12


def test_county_map_draws_each_township(as_user, county_officer, villages, west_team):
    add(villages[0], 2)
    add(AreaFactory(code="449901102201"), 3, Status.RETURNED)
    response = as_user(county_officer).get(reverse("households:county_map", args=["449901"]))
    assert [(bar.label, bar.total) for bar in response.context["status_chart"].bars] == [
        ("示例东1镇", 2),
        ("示例西2镇", 3),
    ]
    assert "合计：5 户" in texts(svgs(response)[0])


def test_county_map_is_404_outside_the_county(as_user, other_county_officer, outsider, villages):
    county_map = reverse("households:county_map", args=["449901"])
    assert as_user(other_county_officer).get(county_map).status_code == 404
    assert as_user(outsider).get(county_map).status_code == 404


def test_household_list_links_to_the_map_of_the_users_area(as_user, county_officer, township_cadre):
    html = as_user(county_officer).get(reverse("households:list")).content.decode()
    assert reverse("households:county_map", args=["449901"]) in html
    html = as_user(township_cadre).get(reverse("households:list")).content.decode()
    assert url() in html
