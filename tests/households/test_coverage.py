import datetime

import pytest
from django.urls import reverse

from households.coverage import team_coverage
from households.models import Household
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    MemberFactory,
    PersonFactory,
    WorkGroupFactory,
)

pytestmark = pytest.mark.django_db
Status = Household.Status


@pytest.fixture
def villages(east_team):
    return [
        AreaFactory(code="449901101201", name="石塘1村"),
        AreaFactory(code="449901101202", name="新坑2村"),
        AreaFactory(code="449901101203", name="大岭3村"),
    ]


@pytest.fixture
def cadre(east_team):
    return MemberFactory(team=east_team, name="陈伟")


def url(team, name="households:coverage"):
    return reverse(name, args=[team.township_id])


def household(village, cadre=None, status=Status.REGISTERED, head=None):
    found = HouseholdFactory(village=village, contact_cadre=cadre, status=status)
    if head:
        PersonFactory(household=found, name=head)
    return found


def test_unlinked_lists_households_still_in_poverty_with_no_current_cadre(
    east_team, villages, cadre
):
    gone = MemberFactory(team=east_team, name="李芳", left=datetime.date(2017, 6, 30))
    nobody = household(villages[0], status=Status.RETURNED)
    left_behind = household(villages[1], cadre=gone)
    household(villages[0], cadre=cadre)
    household(villages[0], status=Status.IDENTIFYING)
    household(villages[0], status=Status.EXITED)
    household(villages[0], status=Status.CANCELLED)
    coverage = team_coverage(east_team, Household.objects.all())
    assert coverage.unlinked == [nobody, left_behind]
    assert gone not in [load.cadre for load in coverage.cadres]


def test_cadre_over_the_limit_is_flagged(settings, east_team, villages, cadre):
    settings.MAX_HOUSEHOLDS_PER_CADRE = 2
    light = MemberFactory(team=east_team, name="黄敏")
    for _ in range(3):
        household(villages[0], cadre=cadre)
    household(villages[1], cadre=light)
    household(villages[1], cadre=cadre, status=Status.EXITED)
    coverage = team_coverage(east_team, Household.objects.all())
    loads = {load.cadre: load for load in coverage.cadres}
    assert len(loads[cadre].households) == 3
    assert loads[cadre].is_overloaded
    assert len(loads[light].households) == 1
    assert not loads[light].is_overloaded
    assert coverage.overloaded == [loads[cadre]]
    assert coverage.cadres[0] == loads[cadre]


def test_groups_show_their_villages_with_household_counts(east_team, villages, cadre):
    group = WorkGroupFactory(team=east_team, name="第1片区组")
    group.villages.set(villages[:2])
    group.members.set([cadre])
    for _ in range(2):
        household(villages[0], cadre=cadre)
    household(villages[0], status=Status.EXITED)
    household(villages[2])
    coverage = team_coverage(east_team, Household.objects.all())
    assert coverage.groups == [(group, [(villages[0], 2), (villages[1], 0)])]
    assert coverage.uncovered == [(villages[2], 1)]


def test_page_shows_every_finding_with_links(as_user, settings, township_leader, villages, cadre):
    settings.MAX_HOUSEHOLDS_PER_CADRE = 1
    team = cadre.team
    WorkGroupFactory(team=team, name="第1片区组").villages.set(villages[:2])
    unlinked = household(villages[0], head="张<强>")
    linked = [household(villages[1], cadre=cadre, head=f"户主{n}") for n in range(2)]
    response = as_user(township_leader).get(url(team))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{unlinked.get_absolute_url()}"' in html
    assert "张&lt;强&gt;" in html
    assert "张<强>" not in html
    assert all(f'href="{h.get_absolute_url()}"' in html for h in linked)
    assert "超过 1" in html
    assert "大岭3村" in html
    assert response.context["coverage"].overloaded[0].cadre == cadre


def test_team_page_links_to_coverage_and_map(as_user, township_cadre, east_team):
    html = as_user(township_cadre).get(east_team.get_absolute_url()).content.decode()
    assert f'href="{url(east_team)}"' in html
    assert f'href="{url(east_team, "households:map")}"' in html


def test_county_officer_sees_the_coverage(as_user, county_officer, east_team):
    assert as_user(county_officer).get(url(east_team)).status_code == 200


def test_outsider_and_other_county_get_404(as_user, outsider, other_county_officer, east_team):
    assert as_user(outsider).get(url(east_team)).status_code == 404
    assert as_user(other_county_officer).get(url(east_team)).status_code == 404


def test_township_without_team_has_no_coverage_page(as_user, county_officer):
    AreaFactory(code="449901105", name="示例中5镇")
    response = as_user(county_officer).get(reverse("households:coverage", args=["449901105"]))
    assert response.status_code == 404


def test_query_count_does_not_grow_with_households_or_villages(
    as_user, county_officer, east_team, villages, cadre, django_assert_num_queries
):
    client = as_user(county_officer)
    group = WorkGroupFactory(team=east_team)
    group.villages.set(villages[:1])
    group.members.set([cadre])
    household(villages[0], cadre=cadre, head="户主")
    # session, user, team, members, households, their heads, groups, their villages and
    # cadres, uncovered villages, the user's area in the header, the OTP device
    with django_assert_num_queries(12):
        client.get(url(east_team))
    more = [AreaFactory(code=f"4499011012{n:02d}") for n in range(10, 15)]
    group.villages.add(*more)
    for village in more + villages:
        household(village, cadre=cadre, head="户主")
        household(village, head="户主")
    WorkGroupFactory(team=east_team).villages.set(villages[1:])
    with django_assert_num_queries(12):
        client.get(url(east_team))
