"""A past year's figures are what was true on its 31 December (issue 19, item 1): taken from
the status history, the contact cadre assignments and the member changes, not relabelled
current numbers; the list behind each figure shows the same households, as they were then."""

import datetime

import pytest
from django.urls import reverse

from assessments.dashboard import HOUSEHOLD_FIGURES, area_dashboard
from households.models import Household
from tests.assessments.conftest import household
from tests.factories import AreaFactory, MemberFactory

pytestmark = pytest.mark.django_db
Status = Household.Status
TODAY = datetime.date(2018, 12, 1)
D = datetime.date


def east(user, year):
    dashboard = area_dashboard(user, user.scope_area, year, TODAY)
    return next(row for row in dashboard.rows if row.area.code == "449901101"), dashboard


def test_a_past_year_is_taken_on_its_31_december(timeline, county_officer):
    row, dashboard = east(county_officer, 2017)
    assert (dashboard.day, dashboard.current) == (D(2017, 12, 31), False)
    assert row.households["in_poverty"] == 2  # exits and steady; new did not exist, back was out
    assert row.households["returned"] == 0
    assert row.households["no_cadre"] == 1  # exits: its cadre had left the team
    assert row.households["not_visited_30"] == 1  # steady; exits was visited on 20 December
    # exits' head, steady's head and the grandfather; not the baby born in 2018.
    assert row.persons == 3


def test_the_current_year_is_today(timeline, county_officer):
    row, dashboard = east(county_officer, 2018)
    assert (dashboard.day, dashboard.current) == (TODAY, True)
    assert row.households["in_poverty"] == 3  # new, back, steady
    assert row.households["returned"] == 1
    assert row.households["no_cadre"] == 0
    assert row.persons == 4  # three heads and the baby; the grandfather died


@pytest.mark.parametrize("year", [2017, 2018])
def test_each_figure_lists_what_it_counts(timeline, county_officer, as_user, year, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: TODAY)
    row, _dashboard = east(county_officer, year)
    client = as_user(county_officer)
    for figure in HOUSEHOLD_FIGURES:
        url = reverse("assessments:figure", args=[figure])
        page = client.get(url, {"year": year, "area": "449901101"}).context["page"]
        assert page.paginator.count == row.households[figure], figure


def test_a_past_list_shows_the_household_as_it_was(timeline, county_officer, as_user, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: TODAY)
    url = reverse("assessments:figure", args=["in_poverty"])
    response = as_user(county_officer).get(url, {"year": 2017, "area": "449901101"})
    listed = {h.pk: h for h in response.context["page"]}
    exits = listed[timeline["exits"].pk]
    # Registered then (exited since), with nobody serving as its cadre, last visited in
    # December 2017 (the 2018 visit comes after the cut-off).
    assert (exits.status_then, exits.cadre_then) == (Status.REGISTERED, None)
    assert exits.last_visit == D(2017, 12, 20)
    assert listed[timeline["steady"].pk].cadre_then == "在岗干部"
    page = response.content.decode()
    assert "2017-12-31的状态" in page
    assert "已建档" in page
    assert "已脱贫" not in page


def test_a_household_without_a_history_counts_by_its_current_status(east_team, county_officer):
    """Rows loaded without their history (an old import, the admin) are not lost."""
    village = AreaFactory(code="449901101201")
    household(village, cadre=MemberFactory(team=east_team))
    row, _dashboard = east(county_officer, 2017)
    assert (row.households["in_poverty"], row.households["no_cadre"]) == (1, 0)


def test_current_only_columns_are_marked_on_a_past_year(timeline, county_officer, as_user):
    client = as_user(county_officer)
    past = client.get(reverse("home"), {"year": 2017}).content.decode()
    assert "（当前）" in past
    assert "从状态和帮扶责任人记录" in past
