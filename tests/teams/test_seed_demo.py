from django.core.management import call_command

from teams.models import Area, Member, Team, Unit, User, VillageWorkTeam


def counts():
    return [model.objects.count() for model in (Area, Unit, Team, Member, VillageWorkTeam, User)]


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
