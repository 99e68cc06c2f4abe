"""Dashboards above a county read a snapshot of every township's figures (issue 19, item 4):
a province is as quick as a small county. The snapshot is taken on the first view of a year,
counted again in the background once older than FIGURES_SNAPSHOT_MINUTES (or of another
day), and the page says when it was counted; a county and below count live."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from assessments.dashboard import area_dashboard
from assessments.models import FiguresSnapshot, TownshipFigures
from households.models import Household
from teams.models import User
from tests.assessments.conftest import YEAR, household
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Household.Status
TODAY = datetime.date(2018, 3, 1)
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def village(db):
    return AreaFactory(code="449901101201")


@pytest.fixture
def province_officer(db):
    return UserFactory(role=User.Role.PROVINCE, area=AreaFactory(code="44"))


def in_poverty(user, year=YEAR, today=TODAY):
    return area_dashboard(user, user.scope_area, year, today).totals.households["in_poverty"]


def older(minutes):
    FiguresSnapshot.objects.update(taken_at=F("taken_at") - datetime.timedelta(minutes=minutes))


def test_a_city_reads_the_snapshot_until_it_is_counted_again(village, city_officer, county_officer):
    household(village)
    assert in_poverty(city_officer) == 1  # the first view of the year takes the snapshot
    assert FiguresSnapshot.objects.get().day == datetime.date(YEAR, 12, 31)
    household(village, status=Status.RETURNED)
    assert in_poverty(county_officer) == 2  # a county counts live
    assert in_poverty(city_officer) == 1  # still the snapshot: younger than ten minutes
    older(11)  # the worker (immediate in the tests) counts again on the next view
    assert in_poverty(city_officer) == 2
    assert FiguresSnapshot.objects.get().requested_at is None  # and the refresh is done


def test_the_snapshot_holds_one_row_per_township_with_its_breakdown(village, city_officer):
    household(village)
    household(AreaFactory(code="449901102201"), status=Status.EXITED)
    dashboard = area_dashboard(city_officer, city_officer.scope_area, YEAR, TODAY)
    rows = TownshipFigures.objects.order_by("township")
    assert [row.township_id for row in rows] == ["449901101", "449901102"]
    assert rows[0].households["in_poverty"] == 1
    assert rows[0].persons == 1
    assert rows[1].households["in_poverty"] == 0
    assert [
        (cause[1], households, persons) for cause, households, persons in dashboard.by_cause
    ] == [("因病", 1, 1)]


@override_settings(TASKS=DUMMY)
def test_an_old_snapshot_is_asked_for_once_and_shown_meanwhile(village, province_officer):
    household(village)
    in_poverty(province_officer)
    household(village)
    older(11)
    default_task_backend.clear()
    assert in_poverty(province_officer) == 1  # the old one, while the worker counts
    assert in_poverty(province_officer) == 1
    assert [result.args for result in default_task_backend.results] == [[YEAR]]
    default_task_backend.results[0].task.call(YEAR)  # what the worker runs
    assert in_poverty(province_officer) == 2


@override_settings(TASKS=DUMMY)
def test_a_snapshot_of_yesterday_is_counted_again_today(village, province_officer):
    year = timezone.localdate().year
    household(village)
    in_poverty(province_officer, year, timezone.localdate() - datetime.timedelta(days=1))
    default_task_backend.clear()
    in_poverty(province_officer, year, timezone.localdate())
    assert [result.args for result in default_task_backend.results] == [[year]]


def test_the_page_says_when_the_figures_were_counted(
    village, city_officer, county_officer, as_user
):
    household(village)
    page = as_user(city_officer).get(reverse("home"), {"year": YEAR}).content.decode()
    taken = timezone.localtime(FiguresSnapshot.objects.get().taken_at)
    assert f"本级各户数统计于 {taken:%Y-%m-%d %H:%M}，每 10 分钟重新统计" in page
    page = as_user(county_officer).get(reverse("home"), {"year": YEAR}).content.decode()
    assert "重新统计" not in page  # a county counts for the page


def test_the_refresh_command_counts_every_year_asked(village, db):
    household(village)
    call_command("refresh_figures", "--year", str(YEAR), "--year", str(YEAR + 1))
    assert sorted(FiguresSnapshot.objects.values_list("year", flat=True)) == [YEAR, YEAR + 1]
