import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from teams.models import Member, Presence
from teams.services import long_absences
from tests.factories import MemberFactory, PresenceFactory, UnitFactory

DEC = datetime.date(2017, 12, 1)


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.PRESENCE_MIN_DAYS = 20
    settings.PRESENCE_ABSENT_MONTHS = 3


def stationed(team, **kwargs):
    return MemberFactory(team=team, source=Member.Source.STATIONED, unit=UnitFactory(), **kwargs)


def record(member, days_by_month):
    for month, days in days_by_month.items():
        PresenceFactory(member=member, month=datetime.date(2017, month, 1), days_on_site=days)


def absent(until=DEC):
    return list(long_absences(Member.objects.all(), until=until))


def test_below_the_threshold_for_the_set_number_of_months_is_a_long_absence(east_team):
    cadre = stationed(east_team)
    record(cadre, {9: 25, 10: 8, 11: 19, 12: 0})
    assert absent() == [cadre]
    assert [p.days_on_site for p in absent()[0].recent] == [8, 19, 0]


@pytest.mark.parametrize(
    "days",
    [
        {10: 8, 11: 20, 12: 5},  # the threshold itself is enough
        {11: 5, 12: 5},  # a month without an entry breaks the run
        {9: 5, 10: 5, 11: 5},  # the run ended before December
    ],
)
def test_no_long_absence_without_the_full_run_below_the_threshold(east_team, days):
    record(stationed(east_team), days)
    assert absent() == []


def test_number_of_months_and_minimum_days_are_settings(east_team, settings):
    settings.PRESENCE_ABSENT_MONTHS = 2
    settings.PRESENCE_MIN_DAYS = 10
    cadre = stationed(east_team)
    record(cadre, {10: 5, 11: 9, 12: 9})
    assert absent() == [cadre]


def test_cadres_who_left_and_township_cadres_are_not_listed(east_team):
    gone = stationed(east_team, left=datetime.date(2017, 12, 20))
    record(gone, {10: 1, 11: 1, 12: 1})
    assert absent() == []


def test_presence_is_only_for_stationed_cadres_and_fits_the_month(east_team):
    cadre = MemberFactory(team=east_team, source=Member.Source.CADRE)
    with pytest.raises(ValidationError) as error:
        Presence(member=cadre, month=datetime.date(2017, 2, 1), days_on_site=3).full_clean()
    assert "member" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Presence(
            member=stationed(east_team), month=datetime.date(2017, 2, 1), days_on_site=29
        ).full_clean()
    assert "days_on_site" in error.value.message_dict


def test_leader_enters_a_month_for_all_stationed_cadres(as_user, township_leader, east_team):
    first, second = stationed(east_team), stationed(east_team)
    PresenceFactory(member=second, month=datetime.date(2017, 3, 1), days_on_site=3)
    MemberFactory(team=east_team, source=Member.Source.CADRE)  # not on the form
    url = reverse("teams:presence", args=[east_team.pk]) + "?month=2017-03"
    client = as_user(township_leader)
    assert list(client.get(url).context["form"].fields) == [
        f"member_{m.pk}" for m in sorted([first, second], key=lambda m: m.name)
    ]
    response = client.post(url, {f"member_{first.pk}": "22", f"member_{second.pk}": ""})
    assert response.status_code == 302
    entries = list(Presence.objects.values_list("member", "month", "days_on_site", "entered_by"))
    assert entries == [(first.pk, datetime.date(2017, 3, 1), 22, township_leader.pk)]


def test_impossible_days_are_refused_and_nothing_is_saved(as_user, township_leader, east_team):
    first, second = stationed(east_team), stationed(east_team)
    url = reverse("teams:presence", args=[east_team.pk]) + "?month=2017-02"
    response = as_user(township_leader).post(
        url, {f"member_{first.pk}": "20", f"member_{second.pk}": "29"}
    )
    assert response.status_code == 200
    assert "28" in response.content.decode()
    assert "确保该值小于或等于" in response.content.decode()
    assert not Presence.objects.exists()


def test_plain_member_sees_presence_but_cannot_enter_it(as_user, township_cadre, east_team):
    cadre = stationed(east_team)
    url = reverse("teams:presence", args=[east_team.pk]) + "?month=2017-03"
    client = as_user(township_cadre)
    assert client.get(url).context["form"] is None
    assert client.post(url, {f"member_{cadre.pk}": "22"}).status_code == 403
    assert not Presence.objects.exists()


def test_presence_page_query_count_is_constant(
    as_user, township_leader, east_team, django_assert_num_queries
):
    client = as_user(township_leader)
    url = reverse("teams:presence", args=[east_team.pk])
    client.get(url)
    for _ in range(5):
        record(stationed(east_team), {month: 22 for month in range(1, 13)})
    with django_assert_num_queries(9):
        client.get(url)


def test_absence_list_names_the_unit_and_its_head(as_user, county_officer, east_team):
    unit = UnitFactory(name="示例县教育局", head="局长甲", head_phone="0768-1234567")
    cadre = MemberFactory(team=east_team, source=Member.Source.STATIONED, unit=unit, name="驻镇乙")
    record(cadre, {10: 3, 11: 4, 12: 5})
    response = as_user(county_officer).get(reverse("teams:absences"))
    assert list(response.context["page"]) == [cadre]
    assert response.context["month"] == DEC  # the latest month entered
    body = response.content.decode()
    assert all(text in body for text in ["驻镇乙", "示例县教育局", "局长甲", "0768-1234567"])


def test_absence_list_is_scoped(as_user, outsider, other_county_officer, east_team):
    record(stationed(east_team), {10: 3, 11: 4, 12: 5})
    for user in (outsider, other_county_officer):
        url = reverse("teams:absences") + "?month=2017-12"
        assert list(as_user(user).get(url).context["page"]) == []


def test_absence_list_query_count_is_constant(
    as_user, county_officer, east_team, django_assert_num_queries
):
    client = as_user(county_officer)
    record(stationed(east_team), {10: 3, 11: 4, 12: 5})
    client.get(reverse("teams:absences"))
    for _ in range(5):
        record(stationed(east_team), {10: 3, 11: 4, 12: 5})
    with django_assert_num_queries(8):
        response = client.get(reverse("teams:absences"))
    assert len(response.context["page"]) == 6


def test_outsider_gets_404_for_another_teams_presence(as_user, outsider, east_team):
    url = reverse("teams:presence", args=[east_team.pk])
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(outsider).post(url, {}).status_code == 404
