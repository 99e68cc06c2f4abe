"""factory-boy factories shared by every app's tests."""

import datetime

import factory

from teams.models import Area, Member, Team, Unit, User, VillageWorkTeam


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


# Households and ledgers (appended by the ledgers branch).
from households.idnumber import check_character  # noqa: E402
from households.models import Household, Person, ReferenceItem  # noqa: E402


def valid_id_number(serial: int, born=datetime.date(1970, 1, 1)) -> str:
    first17 = f"449901{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_character(first17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(AreaFactory, code="449901101201")
    number = factory.Sequence(lambda n: n)
    status = Household.Status.REGISTERED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if isinstance(kwargs["number"], int):
            kwargs["number"] = f"{kwargs['village'].code}{kwargs['number']:05d}"
        return super()._create(model_class, *args, **kwargs)


class PersonFactory(factory.django.DjangoModelFactory):
    """The head of household unless ``relation`` says otherwise."""

    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"户主{n}")
    id_number = factory.Sequence(valid_id_number)
    relation = factory.LazyFunction(
        lambda: ReferenceItem.objects.get(kind=ReferenceItem.Kind.RELATION, name=Person.HEAD)
    )


from ledgers.models import Income, Measure, MeasureCategory, Visit  # noqa: E402


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    household = factory.SubFactory(HouseholdFactory)
    category = factory.LazyFunction(lambda: MeasureCategory.objects.get(name="产业帮扶"))
    date = datetime.date(2017, 3, 1)
    description = "发放鸡苗200只"
    amount = 2000


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    household = factory.SubFactory(HouseholdFactory)
    date = datetime.date(2017, 3, 1)
    findings = "家中老人慢性病，需要定期买药"


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Income

    household = factory.SubFactory(HouseholdFactory)
    year = 2017
    members = 4
    wages = 12000
    production_income = 6000
    production_costs = 2000
    transfer_dibao = 3600
