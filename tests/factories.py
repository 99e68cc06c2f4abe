"""factory-boy factories shared by every app's tests."""

import datetime

import factory

from teams.models import (
    Area,
    Member,
    Presence,
    SixHavesCheck,
    SixHavesItem,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["code"]

    code = "449901101"
    name = factory.LazyAttribute(lambda a: f"区域{a.code}")
    level = factory.LazyAttribute(lambda a: Area.CODE_LENGTHS[len(a.code)])
    parent = factory.LazyAttribute(
        lambda a: (
            AreaFactory(code=a.code[: {4: 2, 6: 4, 9: 6, 12: 9}[len(a.code)]])
            if len(a.code) > 2
            else None
        )
    )


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"示例单位{n}")
    level = Unit.Level.COUNTY
    area = factory.SubFactory(AreaFactory, code="449901")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    township = factory.SubFactory(AreaFactory, code="449901101")
    established = datetime.date(2016, 6, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    source = Member.Source.CADRE
    role = Member.Role.MEMBER
    joined = datetime.date(2016, 6, 1)


class VillageWorkTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageWorkTeam

    village = factory.SubFactory(AreaFactory, code="449901101201")
    unit = factory.SubFactory(UnitFactory)
    captain = "示例队长"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.TOWNSHIP
    area = factory.SubFactory(AreaFactory, code="449901101")


class WorkRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkRecord

    team = factory.SubFactory(TeamFactory)
    date = datetime.date(2017, 3, 15)
    kind = WorkRecord.Kind.MEETING
    title = factory.Sequence(lambda n: f"工作会议{n}")
    content = "研究部署帮扶工作"


class SixHavesCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SixHavesCheck

    team = factory.SubFactory(TeamFactory)
    item = factory.LazyFunction(lambda: SixHavesItem.objects.order_by("order").first())
    met = True
    checked_on = datetime.date(2017, 3, 1)


class WorkGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkGroup

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"第{n}片区组")


class PresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presence

    member = factory.SubFactory(
        MemberFactory, source=Member.Source.STATIONED, unit=factory.SubFactory(UnitFactory)
    )
    month = datetime.date(2017, 3, 1)
    days_on_site = 22
