"""factory-boy factories shared by every app's tests."""

import datetime
import io

import factory
from PIL import Image

from assessments.models import Inspection, Rectification
from households.idnumber import compose_id_number
from households.models import Household, Person, ReferenceItem
from ledgers.models import (
    Income,
    Measure,
    MeasureCategory,
    Project,
    ProjectBudget,
    Visit,
    VisitPhoto,
)
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


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(AreaFactory, code="449901101201")
    number = factory.Sequence(lambda n: n)
    status = Household.Status.REGISTERED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The number is the village code and a serial, whatever village the test chose.
        if isinstance(kwargs["number"], int):
            kwargs["number"] = f"{kwargs['village'].code}{kwargs['number'] % 100000:05d}"
        return super()._create(model_class, *args, **kwargs)


def reference(kind, name):
    return ReferenceItem.objects.get(kind=kind, name=name)


class PersonFactory(factory.django.DjangoModelFactory):
    """The head of household unless ``relation`` says otherwise."""

    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"村民{n}")
    id_number = factory.Sequence(
        lambda n: compose_id_number(
            "449901", datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000), n % 1000
        )
    )
    relation = factory.LazyFunction(lambda: reference(ReferenceItem.Kind.RELATION, Person.HEAD))


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


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPhoto

    visit = factory.SubFactory(VisitFactory)
    photo = "visits/x.png"


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Income

    household = factory.SubFactory(HouseholdFactory)
    year = 2017
    household_size = 4
    wages = 12000
    production_income = 6000
    production_costs = 2000
    transfer_dibao = 3600


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    township = factory.SubFactory(AreaFactory, code="449901101", name="示例东1镇")
    name = factory.Sequence(lambda n: f"百香果种植项目{n}")
    category = Project.Category.INDUSTRY
    starts_on = datetime.date(2017, 3, 1)
    ends_on = datetime.date(2017, 12, 31)


class ProjectBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectBudget

    project = factory.SubFactory(ProjectFactory)
    source = "fiscal"
    amount = 10000


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    team = factory.SubFactory(TeamFactory)
    date = datetime.date(2017, 6, 1)
    kind = Inspection.Kind.REGULAR
    inspectors = "县扶贫办 王检查"
    findings = "台账不全，部分贫困户未按月走访"


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rectification

    inspection = factory.SubFactory(InspectionFactory)
    item = "补齐帮扶记录簿"
    owner = "东镇书记"
    deadline = datetime.date(2017, 7, 1)


def picture(kind="PNG", exif=None):
    """A small real picture, as a phone or a scanner writes it."""
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format=kind, **options)
    return buffer.getvalue()
