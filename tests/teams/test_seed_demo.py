import datetime

from django.core.management import call_command

from teams.models import (
    Area,
    Member,
    Presence,
    SixHavesCheck,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
)
from teams.services import long_absences, six_haves_status, uncovered_villages


def counts():
    models = [Area, Unit, Team, Member, VillageWorkTeam, User]
    models += [WorkRecord, SixHavesCheck, WorkGroup, Presence]
    return [model.objects.count() for model in models]


def test_seed_demo_twice_changes_nothing(db, capsys):
    call_command("seed_demo", "--households", "20")
    first = counts()
    call_command("seed_demo", "--households", "20")
    assert counts() == first
    assert Area.objects.filter(code__startswith="4499").exists()
    assert not Area.objects.exclude(code__in=["44"]).exclude(code__startswith="4499").exists()
    out = capsys.readouterr().out
    for username in ["admin", "county", "city", "province", "east_leader", "east_cadre"]:
        assert username in out
    assert User.objects.get(username="east_leader").member.role == Member.Role.LEADER


def test_seed_demo_shows_each_finding_of_the_team_work_once(db):
    call_command("seed_demo", "--households", "20")
    teams = list(Team.objects.select_related("township"))
    statuses = six_haves_status(teams)
    short = {
        team.township.name: [s.item.name for s in statuses[team.pk] if not s.met] for team in teams
    }
    assert {name: items for name, items in short.items() if items} == {
        "示例东1镇": ["攻坚图", "贫困户核查档案"]
    }
    assert [village.name for team in teams for village in uncovered_villages(team)] == ["上洞5村"]
    absent = long_absences(Member.objects.all(), until=datetime.date(2017, 12, 1))
    assert [m.team.township.name for m in absent] == ["示例西2镇"]
    assert WorkRecord.objects.filter(attendees__isnull=False).exists()
