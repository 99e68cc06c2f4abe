import pytest
from django.urls import reverse

from teams.models import WorkGroup
from teams.services import uncovered_villages
from tests.factories import AreaFactory, MemberFactory, WorkGroupFactory


@pytest.fixture
def villages(east_team):
    return [AreaFactory(code=f"449901101{n}", name=f"村{n}") for n in (201, 202, 203)]


def test_villages_no_group_covers_are_listed(east_team, west_team, villages):
    WorkGroupFactory(team=east_team).villages.set(villages[:2])
    AreaFactory(code="449901102201")
    assert list(uncovered_villages(east_team)) == [villages[2]]


def test_leader_sets_up_a_group_covering_villages(as_user, township_leader, east_team, villages):
    cadre = MemberFactory(team=east_team)
    response = as_user(township_leader).post(
        reverse("teams:group_create", args=[east_team.pk]),
        {"name": "第一片区组", "members": [cadre.pk], "villages": [villages[0].code]},
    )
    assert response.url == reverse("teams:groups", args=[east_team.pk])
    group = WorkGroup.objects.get()
    assert list(group.villages.all()) == [villages[0]]
    assert list(group.members.all()) == [cadre]


def test_group_cannot_cover_another_townships_village(
    as_user, township_leader, east_team, west_team
):
    AreaFactory(code="449901102201")
    response = as_user(township_leader).post(
        reverse("teams:group_create", args=[east_team.pk]),
        {"name": "越界组", "villages": ["449901102201"]},
    )
    assert response.status_code == 200
    assert not WorkGroup.objects.exists()


def test_group_names_are_unique_in_a_team(as_user, township_leader, east_team):
    WorkGroupFactory(team=east_team, name="第一片区组")
    response = as_user(township_leader).post(
        reverse("teams:group_create", args=[east_team.pk]), {"name": "第一片区组"}
    )
    assert "该工作组已有同名的小组" in response.content.decode()
    assert WorkGroup.objects.count() == 1


def test_plain_member_cannot_set_up_groups(as_user, township_cadre, east_team):
    url = reverse("teams:group_create", args=[east_team.pk])
    assert as_user(township_cadre).post(url, {"name": "组"}).status_code == 403
    assert not WorkGroup.objects.exists()


def test_group_page_shows_uncovered_villages_and_its_queries_are_constant(
    as_user, township_cadre, east_team, villages, django_assert_num_queries
):
    client = as_user(township_cadre)
    url = reverse("teams:groups", args=[east_team.pk])
    client.get(url)
    for _n in range(5):
        group = WorkGroupFactory(team=east_team)
        group.villages.set(villages[:2])
        group.members.set([MemberFactory(team=east_team) for _ in range(3)])
    with django_assert_num_queries(9):
        response = client.get(url)
    assert "村203" in response.content.decode()


@pytest.mark.parametrize("name", ["teams:groups", "teams:group_create"])
def test_outsider_gets_404_for_another_teams_groups(as_user, outsider, east_team, name):
    assert as_user(outsider).get(reverse(name, args=[east_team.pk])).status_code == 404


def test_outsider_gets_404_for_another_teams_group(as_user, outsider, east_team):
    group = WorkGroupFactory(team=east_team)
    url = reverse("teams:group_edit", args=[group.pk])
    assert as_user(outsider).get(url).status_code == 404
