import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from teams.models import Member, Team
from tests.factories import AreaFactory, MemberFactory, TeamFactory, UnitFactory


def test_one_team_per_township(east_team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(township=east_team.township, established=datetime.date(2017, 1, 1))
    assert Team.objects.count() == 1


def test_at_most_one_current_leader_per_team(east_team):
    MemberFactory(team=east_team, role=Member.Role.LEADER, post="书记")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(team=east_team, role=Member.Role.LEADER)
    assert east_team.members.filter(role=Member.Role.LEADER).count() == 1


def test_a_former_leader_does_not_block_the_new_one(east_team):
    MemberFactory(team=east_team, role=Member.Role.LEADER, left=datetime.date(2017, 3, 1))
    MemberFactory(team=east_team, role=Member.Role.LEADER)
    assert east_team.members.current().filter(role=Member.Role.LEADER).count() == 1


def test_at_most_one_current_deputy_per_team(east_team):
    MemberFactory(team=east_team, role=Member.Role.DEPUTY)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(team=east_team, role=Member.Role.DEPUTY)


def test_leaving_before_joining_is_refused_by_the_database(east_team):
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(
            team=east_team, joined=datetime.date(2017, 1, 1), left=datetime.date(2016, 1, 1)
        )


def test_one_village_work_team_per_village(db):
    from tests.factories import VillageWorkTeamFactory

    first = VillageWorkTeamFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageWorkTeamFactory(village=first.village)


def test_stationed_cadre_from_a_unit_with_a_poor_village_assignment_is_refused(east_team):
    unit = UnitFactory(name="有帮扶村任务的单位", has_poor_village_assignment=True)
    member = Member(
        team=east_team,
        name="驻镇甲",
        source=Member.Source.STATIONED,
        unit=unit,
        joined=datetime.date(2016, 7, 1),
    )
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert "已承担相对贫困村帮扶任务" in str(error.value.message_dict["unit"])


def test_stationed_cadre_needs_a_unit(east_team):
    member = Member(
        team=east_team,
        name="驻镇乙",
        source=Member.Source.STATIONED,
        joined=datetime.date(2016, 7, 1),
    )
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert "unit" in error.value.message_dict


def test_stationed_cadre_from_an_unassigned_unit_is_accepted(east_team):
    member = Member(
        team=east_team,
        name="驻镇丙",
        source=Member.Source.STATIONED,
        unit=UnitFactory(),
        joined=datetime.date(2016, 7, 1),
    )
    member.full_clean()


def test_leader_who_is_not_the_party_secretary_is_warned_not_refused(east_team):
    leader = MemberFactory(team=east_team, role=Member.Role.LEADER, post="镇长")
    leader.full_clean()
    assert leader.leader_warning
    secretary = MemberFactory.build(team=east_team, role=Member.Role.LEADER, post="书记")
    assert not secretary.leader_warning


def test_team_must_belong_to_a_township(db):
    team = TeamFactory.build(
        township=AreaFactory(code="449901"), established=datetime.date(2016, 6, 1)
    )
    with pytest.raises(ValidationError):
        team.full_clean()


def test_history_records_who_changed_a_member(east_team):
    member = MemberFactory(team=east_team, name="改名前")
    member.name = "改名后"
    member.save()
    assert [h.name for h in member.history.all()] == ["改名后", "改名前"]
