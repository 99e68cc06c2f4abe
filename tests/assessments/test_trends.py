"""Trends (issue 19, item 3): the dashboard's main figures month by month and year on year,
each point the dashboard's own figure on the last day of its month or year."""

import datetime

import pytest
from django.urls import reverse

from assessments.dashboard import area_dashboard
from assessments.models import ExitTarget
from assessments.trends import area_trends
from tests.assessments.conftest import D

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2018, 12, 1)


def test_month_by_month_follows_the_histories(timeline, county_officer):
    months, _years = area_trends(county_officer, county_officer.scope_area, 2018, TODAY)
    assert [p.day for p in months][-2:] == [D(2018, 11, 30), TODAY]  # up to today
    # January: exits and steady; March: the new one registered; May: back returned; June:
    # exits leaves.
    assert [p.in_poverty for p in months] == [2, 2, 3, 3, 4, 3, 3, 3, 3, 3, 3, 3]
    assert [p.exited for p in months] == [0] * 5 + [1] * 7
    assert [p.visits for p in months] == [0, 0, 1] + [0] * 9


@pytest.mark.parametrize("year", [2017, 2018])
def test_a_year_and_its_december_are_the_dashboard_of_that_day(timeline, county_officer, year):
    ExitTarget.objects.create(township=timeline["steady"].village.parent, year=year, households=2)
    area = county_officer.scope_area
    dashboard = area_dashboard(county_officer, area, year, TODAY)
    months, years = area_trends(county_officer, area, year, TODAY)
    (point,) = [p for p in years if p.label == str(year)]
    total = dashboard.totals
    for last in (months[-1], point):
        assert last.in_poverty == total.households["in_poverty"]
        assert last.exited == total.households["exited"]
        assert last.target == total.target == 2
    assert point.ledger_complete == (
        total.households["in_poverty"] - total.households["ledger_incomplete"]
    )
    assert [p.label for p in years] == [str(y) for y in range(2016, year + 1)]


def test_the_trends_page_draws_and_tabulates(timeline, county_officer, as_user, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: TODAY)
    client = as_user(county_officer)
    response = client.get(reverse("assessments:trends"), {"year": 2018})
    page = response.content.decode()
    assert page.count("<svg") == 4
    assert page.count("<polyline") >= 6
    assert "2018-06-30" in page  # the month rows
    dashboard = client.get(reverse("home"), {"year": 2018}).content.decode()
    assert f"{reverse('assessments:trends')}?year=2018&amp;area=449901" in dashboard


@pytest.mark.parametrize("townships", [1, 6])
def test_the_query_count_does_not_grow(
    townships, east_team, county_officer, as_user, django_assert_num_queries
):
    from tests.assessments.test_dashboard import _townships

    _townships(townships)
    client = as_user(county_officer)
    # session, user, OTP device, the user's area (page header); targets, the months' figures
    # and visits, the years' figures and visits.
    with django_assert_num_queries(9):
        client.get(reverse("assessments:trends"), {"year": 2017})
