import datetime
from unittest import mock

import pytest
from django.urls import reverse

from teams.models import Member, Team
from teams.phones import is_phone
from tests.factories import AreaFactory, MemberFactory, UnitFactory, VillageWorkTeamFactory


def test_healthz_answers_with_json_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_fails(client, db):
    from django.db import DatabaseError, connection

    with mock.patch.object(connection, "cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_pages_need_a_login(client, east_team):
    for url in [reverse("home"), reverse("teams:list"), east_team.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_team_page_groups_members_and_shows_village_work_teams(as_user, township_cadre, east_team):
    unit = UnitFactory(name="示例县人民医院")
    MemberFactory(
        team=east_team,
        name="书记甲",
        role=Member.Role.LEADER,
        post="书记",
        source=Member.Source.LEADER,
    )
    MemberFactory(team=east_team, name="驻镇乙", source=Member.Source.STATIONED, unit=unit)
    VillageWorkTeamFactory(
        village=AreaFactory(code="449901101201", name="石塘1村"), captain="队长丙"
    )
    response = as_user(township_cadre).get(east_team.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "书记甲" in body
    assert "驻镇乙" in body
    assert "示例县人民医院" in body
    assert "石塘1村" in body
    assert "队长丙" in body
    assert response.context["leader"].name == "书记甲"
    assert [
        m.name
        for label, group in response.context["by_source"]
        for m in group
        if m.source == Member.Source.STATIONED
    ] == ["驻镇乙"]


def test_leader_who_is_not_the_secretary_is_flagged_on_the_team_page(
    as_user, township_cadre, east_team
):
    leader = MemberFactory(team=east_team, role=Member.Role.LEADER, post="镇长")
    response = as_user(township_cadre).get(east_team.get_absolute_url())
    assert str(leader.leader_warning) in response.content.decode()


def test_public_board_lists_names_duties_phones(as_user, township_cadre, east_team):
    MemberFactory(team=east_team, name="公示甲", duties="产业帮扶", phone="13800000001")
    body = as_user(township_cadre).get(reverse("teams:board", args=[east_team.pk])).content
    assert "公示甲" in body.decode()
    assert "产业帮扶" in body.decode()
    assert "13800000001" in body.decode()


def test_public_board_lists_by_rank_then_the_teams_order_with_its_rules(
    as_user, township_leader, east_team
):
    """副组长 sorted above 组长 (roles sorted by their codes); the board now follows rank, then
    the order the team sets, and prints the rules 六有 wants on the wall (issue 21)."""
    MemberFactory(team=east_team, name="甲队员", board_order=2)
    MemberFactory(team=east_team, name="乙队员", board_order=1)
    MemberFactory(team=east_team, name="副组长丙", role=Member.Role.DEPUTY)
    east_team.work_rules = "每周例会一次"
    east_team.discipline_rules = "不得收受礼品"
    east_team.fund_rules = "资金专款专用"
    east_team.save()
    body = as_user(township_leader).get(reverse("teams:board", args=[east_team.pk]))
    text = body.content.decode()
    order = ["东镇书记", "副组长丙", "乙队员", "甲队员"]
    assert [text.index(name) for name in order] == sorted(text.index(name) for name in order)
    for rule in ["每周例会一次", "不得收受礼品", "资金专款专用", "data-print"]:
        assert rule in text


@pytest.mark.parametrize(
    "name", ["teams:detail", "teams:board", "teams:edit", "teams:member_create"]
)
def test_outsider_gets_404_for_another_townships_team(as_user, outsider, east_team, name):
    assert as_user(outsider).get(reverse(name, args=[east_team.pk])).status_code == 404


def test_outsider_gets_404_for_another_townships_member(as_user, outsider, east_team):
    member = MemberFactory(team=east_team)
    url = reverse("teams:member_edit", args=[member.pk])
    assert as_user(outsider).get(url).status_code == 404


def test_team_list_shows_only_the_users_scope(
    as_user, township_cadre, county_officer, east_team, west_team, other_county_officer
):
    own = as_user(township_cadre).get(reverse("teams:list")).context["page"]
    assert list(own) == [east_team]
    county = as_user(county_officer).get(reverse("teams:list")).context["page"]
    assert set(county) == {east_team, west_team}
    other = as_user(other_county_officer).get(reverse("teams:list")).context["page"]
    assert list(other) == []


def test_team_list_query_count_is_constant(as_user, county_officer, django_assert_num_queries):
    for n in range(3, 9):
        Team.objects.create(
            township=AreaFactory(code=f"44990110{n}"), established=datetime.date(2016, 6, 1)
        )
    client = as_user(county_officer)
    client.get(reverse("teams:list"))
    # 6: session, user, the TOTP device of the two-factor login, count, page, areas.
    with django_assert_num_queries(6):
        client.get(reverse("teams:list"))


def test_team_page_query_count_does_not_grow_with_members(
    as_user, township_cadre, east_team, django_assert_num_queries
):
    client = as_user(township_cadre)
    client.get(east_team.get_absolute_url())
    for _ in range(10):
        MemberFactory(team=east_team, source=Member.Source.STATIONED, unit=UnitFactory())
    with django_assert_num_queries(13):
        client.get(east_team.get_absolute_url())


def test_county_officer_sets_up_a_team(as_user, county_officer):
    township = AreaFactory(code="449901103", name="示例南3镇")
    response = as_user(county_officer).post(
        reverse("teams:create"),
        {
            "township": township.code,
            "established": "2016-06-01",
            "office_address": "镇政府",
        },
    )
    team = Team.objects.get(township=township)
    assert response.url == team.get_absolute_url()


def test_township_staff_cannot_set_up_teams(as_user, township_cadre):
    AreaFactory(code="449901103")
    client = as_user(township_cadre)
    response = client.post(
        reverse("teams:create"), {"township": "449901103", "established": "2016-06-01"}
    )
    assert response.status_code == 403
    assert not Team.objects.filter(township_id="449901103").exists()


def test_county_officer_cannot_set_up_a_team_in_another_county(as_user, county_officer):
    AreaFactory(code="449902101")
    response = as_user(county_officer).post(
        reverse("teams:create"), {"township": "449902101", "established": "2016-06-01"}
    )
    assert response.status_code == 200
    assert "township" in response.context["form"].errors
    assert not Team.objects.filter(township_id="449902101").exists()


def test_team_leader_adds_a_member(as_user, township_leader, east_team):
    response = as_user(township_leader).post(
        reverse("teams:member_create", args=[east_team.pk]),
        {"name": "新成员", "role": "member", "source": "cadre", "joined": "2017-01-01"},
    )
    assert response.status_code == 302
    assert east_team.members.filter(name="新成员").exists()


def test_the_same_member_twice_is_caught_until_confirmed(as_user, township_leader, east_team):
    """A second 东镇书记 while the first still serves: refused with who serves, then accepted
    once the leader ticks that it is another person of the same name."""
    url = reverse("teams:member_create", args=[east_team.pk])
    data = {"name": "东镇书记", "role": "member", "source": "cadre", "joined": "2017-01-01"}
    client = as_user(township_leader)
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "东镇书记 已在本工作组任职（书记，自 2016-06-01 起）" in body
    assert 'type="checkbox" name="same_name"' in body
    assert east_team.members.filter(name="东镇书记").count() == 1
    assert client.post(url, data | {"same_name": "on"}).status_code == 302
    assert east_team.members.filter(name="东镇书记").count() == 2


def test_a_member_who_left_may_join_again(as_user, township_leader, east_team):
    MemberFactory(team=east_team, name="老成员", left=datetime.date(2018, 1, 1))
    response = as_user(township_leader).post(
        reverse("teams:member_create", args=[east_team.pk]),
        {"name": "老成员", "role": "member", "source": "cadre", "joined": "2019-01-01"},
    )
    assert response.status_code == 302


def test_plain_member_cannot_edit_the_team(as_user, township_cadre, east_team):
    url = reverse("teams:member_create", args=[east_team.pk])
    response = as_user(township_cadre).post(
        url, {"name": "x", "role": "member", "source": "cadre", "joined": "2017-01-01"}
    )
    assert response.status_code == 403
    assert not east_team.members.filter(name="x").exists()


def test_stationed_cadre_from_assigned_unit_is_refused_in_the_form(
    as_user, county_officer, east_team
):
    unit = UnitFactory(has_poor_village_assignment=True)
    before = east_team.members.count()
    response = as_user(county_officer).post(
        reverse("teams:member_create", args=[east_team.pk]),
        {
            "name": "驻镇丁",
            "role": "member",
            "source": "stationed",
            "unit": unit.pk,
            "joined": "2017-01-01",
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert east_team.members.count() == before


def test_second_leader_is_refused_with_a_message(as_user, county_officer, east_team):
    MemberFactory(team=east_team, role=Member.Role.LEADER, post="书记")
    response = as_user(county_officer).post(
        reverse("teams:member_create", args=[east_team.pk]),
        {"name": "二把手", "role": "leader", "source": "leader", "joined": "2017-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert east_team.members.filter(role=Member.Role.LEADER).count() == 1


def test_unit_choices_are_narrowed_to_the_scope(as_user, county_officer, east_team):
    UnitFactory(name="本县单位")
    UnitFactory(name="外县单位", area=AreaFactory(code="449902"))
    UnitFactory(name="省直单位", area=AreaFactory(code="44"))
    form = (
        as_user(county_officer)
        .get(reverse("teams:member_create", args=[east_team.pk]))
        .context["form"]
    )
    assert {u.name for u in form.fields["unit"].queryset} == {"本县单位", "省直单位"}


@pytest.mark.parametrize("phone", ["abc", "电话"])
def test_a_cadres_phone_must_be_a_phone_number(as_user, township_leader, east_team, phone):
    response = as_user(township_leader).post(
        reverse("teams:member_create", args=[east_team.pk]),
        {"name": "新成员", "role": "member", "source": "cadre", "joined": "2017-01-01",
         "phone": phone},
    )  # fmt: skip
    assert response.status_code == 200
    assert "这不是电话号码" in response.content.decode()
    assert not east_team.members.filter(name="新成员").exists()


def test_phone_numbers_as_offices_write_them_are_accepted():
    for phone in ["13812341234", "0763-1234567", "(0763) 1234567", "+86 138 1234 1234"]:
        assert is_phone(phone), phone
    for text in ["abc", "电话待补", "((((((", "1234", ""]:
        assert not is_phone(text), text


@pytest.mark.parametrize(
    ("user", "sees_admin"),
    [("county_officer", True), ("city_officer", False), ("township_cadre", False)],
)
def test_only_offices_that_may_change_records_see_the_admin_link(
    db, as_user, request, user, sees_admin
):
    """A read-only city account saw 管理后台 and a site of forms it may not use."""
    page = as_user(request.getfixturevalue(user)).get(reverse("ledgers:mine")).content.decode()
    assert (f'href="{reverse("admin:index")}"' in page) is sees_admin
