import datetime

import pytest
from django.urls import reverse

from teams.models import SixHavesCheck, SixHavesItem, Team
from teams.services import six_haves_status
from tests.factories import AreaFactory, SixHavesCheckFactory


def item(name):
    return SixHavesItem.objects.get(name=name)


def check_all(team, on, *, missing=()):
    for each in SixHavesItem.objects.all():
        SixHavesCheckFactory(team=team, item=each, checked_on=on, met=each.name not in missing)


def test_the_six_items_of_the_notice_are_seeded(db):
    assert list(SixHavesItem.objects.values_list("name", flat=True)) == [
        "固定办公场所",
        "固定工作人员",
        "公示牌",
        "攻坚图",
        "贫困户核查档案",
        "干部工作手册",
    ]


def test_item_is_missing_since_the_first_failed_check_after_the_last_met(east_team):
    board = item("公示牌")
    for day, met in [(1, False), (2, True), (3, False), (4, False)]:
        SixHavesCheckFactory(
            team=east_team, item=board, met=met, checked_on=datetime.date(2017, day, 1)
        )
    status = {s.item.name: s for s in six_haves_status([east_team])[east_team.pk]}
    assert not status["公示牌"].met
    assert status["公示牌"].missing_since == datetime.date(2017, 3, 1)
    assert status["公示牌"].latest.checked_on == datetime.date(2017, 4, 1)


def test_a_later_met_check_clears_the_shortfall(east_team):
    board = item("公示牌")
    SixHavesCheckFactory(
        team=east_team, item=board, met=False, checked_on=datetime.date(2017, 1, 1)
    )
    SixHavesCheckFactory(team=east_team, item=board, met=True, checked_on=datetime.date(2017, 2, 1))
    status = {s.item.name: s for s in six_haves_status([east_team])[east_team.pk]}
    assert status["公示牌"].met
    assert status["公示牌"].missing_since is None


def test_shortfall_list_names_missing_items_and_since_when(
    as_user, county_officer, east_team, west_team
):
    check_all(east_team, datetime.date(2016, 9, 1), missing=["攻坚图", "贫困户核查档案"])
    check_all(east_team, datetime.date(2017, 3, 1), missing=["攻坚图", "贫困户核查档案"])
    check_all(west_team, datetime.date(2017, 3, 1))
    response = as_user(county_officer).get(reverse("teams:six_haves_shortfalls"))
    rows = list(response.context["page"])
    assert [(team, [s.item.name for s in missing]) for team, missing in rows] == [
        (east_team, ["攻坚图", "贫困户核查档案"])
    ]
    assert {s.missing_since for s in rows[0][1]} == {datetime.date(2016, 9, 1)}
    assert "2016-09-01" in response.content.decode()


def test_a_team_never_checked_is_listed_as_short_of_every_item(as_user, county_officer, east_team):
    rows = list(as_user(county_officer).get(reverse("teams:six_haves_shortfalls")).context["page"])
    assert rows[0][0] == east_team
    assert len(rows[0][1]) == 6
    assert all(s.missing_since is None for s in rows[0][1])


def test_shortfall_list_shows_only_the_users_scope(as_user, outsider, east_team, west_team):
    rows = list(as_user(outsider).get(reverse("teams:six_haves_shortfalls")).context["page"])
    assert [team for team, _ in rows] == [west_team]


def test_shortfall_list_query_count_is_constant(
    as_user, county_officer, east_team, django_assert_num_queries
):
    client = as_user(county_officer)
    client.get(reverse("teams:six_haves_shortfalls"))
    for n in range(3, 9):
        team = Team.objects.create(
            township=AreaFactory(code=f"44990110{n}"), established=datetime.date(2016, 6, 1)
        )
        check_all(team, datetime.date(2017, 3, 1), missing=["攻坚图"])
    with django_assert_num_queries(7):
        client.get(reverse("teams:six_haves_shortfalls"))


def checklist(**rows):
    """The checklist form's data: {item name: (result, evidence)}, the other rows untouched."""
    data = {"checked_on": "2017-03-01"}
    for each in SixHavesItem.objects.all():
        result, evidence = rows.get(each.name, ("", ""))
        data |= {f"result_{each.pk}": result, f"evidence_{each.pk}": evidence}
    return data


def test_leader_checks_the_whole_checklist_in_one_form(as_user, township_leader, east_team):
    """Six rows, one date: the rows marked met or missing are recorded, the others left."""
    client = as_user(township_leader)
    url = reverse("teams:six_haves_check", args=[east_team.pk])
    form = client.get(url).context["form"]
    assert [each.name for each, _result, _evidence in form.rows] == [
        each.name for each in SixHavesItem.objects.all()
    ]
    response = client.post(
        url,
        checklist(
            固定办公场所=("met", "镇政府二楼"), 公示牌=("missing", ""), 攻坚图=("met", "已张贴")
        ),
    )
    assert response.url == reverse("teams:six_haves", args=[east_team.pk])
    checks = {c.item.name: c for c in SixHavesCheck.objects.all()}
    assert set(checks) == {"固定办公场所", "公示牌", "攻坚图"}
    assert checks["固定办公场所"].met
    assert not checks["公示牌"].met
    assert checks["攻坚图"].evidence == "已张贴"
    assert {c.checked_by for c in checks.values()} == {township_leader}
    assert {c.team for c in checks.values()} == {east_team}
    # The next check starts from these results.
    again = client.get(url).context["form"]
    assert again.initial[f"result_{item('公示牌').pk}"] == "missing"
    assert again.initial[f"evidence_{item('固定办公场所').pk}"] == "镇政府二楼"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请至少将一项标为达标或缺失"),
        ({"固定办公场所": ("met", " ")}, "请写明达标的依据"),
        ({"固定办公场所": ("met", "有"), "checked_on": "2099-01-01"}, "日期不能晚于今天"),
        ({"固定办公场所": ("great", "有")}, "选择一个有效的选项"),
    ],
)
def test_a_bad_checklist_says_why_and_records_nothing(
    as_user, township_leader, east_team, data, message
):
    date = data.pop("checked_on", "2017-03-01")
    response = as_user(township_leader).post(
        reverse("teams:six_haves_check", args=[east_team.pk]),
        checklist(**data) | {"checked_on": date},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SixHavesCheck.objects.exists()


def test_plain_member_cannot_record_checks(as_user, township_cadre, east_team):
    url = reverse("teams:six_haves_check", args=[east_team.pk])
    response = as_user(township_cadre).post(url, checklist(攻坚图=("met", "已张贴")))
    assert response.status_code == 403
    assert not SixHavesCheck.objects.exists()


def test_team_page_shows_the_six_haves(as_user, township_cadre, east_team):
    check_all(east_team, datetime.date(2017, 3, 1), missing=["攻坚图"])
    body = as_user(township_cadre).get(east_team.get_absolute_url()).content.decode()
    assert "攻坚图" in body
    assert "自 2017-03-01 起缺失" in body


@pytest.mark.parametrize("name", ["teams:six_haves", "teams:six_haves_check"])
def test_outsider_gets_404_for_another_teams_six_haves(as_user, outsider, east_team, name):
    assert as_user(outsider).get(reverse(name, args=[east_team.pk])).status_code == 404
