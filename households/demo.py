"""Demo households and members for `seed_demo`: made-up people with valid made-up ID numbers.

The spread of causes follows Guangdong's end-of-2016 figures (docs/domain.md). The seed is skipped
when the demo county already has households, so running it twice changes nothing.
"""

import datetime
import random

from django.conf import settings

from households.idnumber import compose_id_number
from households.models import CadreAssignment, Household, Person, ReferenceItem, StatusChange
from teams.demo import COUNTY, demo_name, demo_phone
from teams.models import Area, Member

Kind, Status = ReferenceItem.Kind, Household.Status
CAUSES = {
    "因病": 36.2,
    "缺劳力": 23.3,
    "因残": 19.9,
    "因学": 4.9,
    "缺资金": 4.5,
    "因灾": 2.5,
    "缺技术": 2.5,
    "缺土地": 2,
    "缺水": 1.2,
    "交通条件落后": 1.5,
    "因婚": 0.5,
    "自身发展动力不足": 1,
}
ATTRIBUTES = {"一般贫困户": 60, "低保贫困户": 30, "特困供养贫困户": 10}
STATUSES = {
    Status.REGISTERED: 70,
    Status.EXITED: 15,
    Status.IDENTIFYING: 8,
    Status.RETURNED: 4,
    Status.CANCELLED: 3,
}
SIZES = {1: 12, 2: 20, 3: 25, 4: 22, 5: 13, 6: 8}
# Relation, age range of the members after the head, in the order they are added.
FAMILY = [("配偶", 25, 75), ("子", 1, 30), ("女", 1, 30), ("母亲", 55, 90), ("孙子", 1, 12)]
REGISTERED_ON = datetime.date(2016, 9, 30)
#: The township whose coverage page shows both findings: one cadre linked to more than
#: MAX_HOUSEHOLDS_PER_CADRE households still in poverty, and a few such households linked to
#: nobody.
TOWNSHIP_WITH_COVERAGE_GAPS = COUNTY + "101"
UNLINKED = 3


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def born(rng, low, high):
    return datetime.date(2016 - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def exit_dates(serial: int, status: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The exit date of a household out of (or back in) poverty, and its return date: drawn
    from a generator of their own, so that the county's other draws stay as they were."""
    if status not in (Status.EXITED, Status.RETURNED):
        return None, None
    rng = random.Random(f"exit-{serial}")
    year = rng.choice([2016, 2017, 2017, 2018, 2018])
    exited = datetime.date(year, 12 if year == 2016 else rng.randint(3, 12), rng.randint(1, 28))
    if status == Status.EXITED:
        return exited, None
    return exited, exited + datetime.timedelta(days=rng.randint(120, 400))


def seed(rng: random.Random, count: int) -> int:
    """Create ``count`` households in the demo county; returns how many were created."""
    if Household.objects.in_area(COUNTY).exists():
        return 0
    refs = {(r.kind, r.name): r for r in ReferenceItem.objects.all()}
    villages = list(Area.objects.in_area(COUNTY).filter(level=Area.Level.VILLAGE))
    cadres = {}
    members = Member.objects.in_area(COUNTY).current().select_related("team")
    # Township cadres (source "cadre") first: the first one is the one carrying too many.
    for member in members.order_by("source", "pk"):
        cadres.setdefault(member.team.township_id, []).append(member)
    used, gaps = set(), 0
    for serial in range(1, count + 1):
        village = villages[serial % len(villages)]
        status = pick(rng, STATUSES)
        causes = rng.sample(list(CAUSES), 2)
        cadre = rng.choice(cadres[village.parent_id]) if village.parent_id in cadres else None
        exited_on, returned_on = exit_dates(serial, status)
        if village.parent_id == TOWNSHIP_WITH_COVERAGE_GAPS and status in Household.ACTIVE_STATUSES:
            gaps += 1
            if gaps <= settings.MAX_HOUSEHOLDS_PER_CADRE + 1:
                cadre = cadres[village.parent_id][0]
            elif gaps <= settings.MAX_HOUSEHOLDS_PER_CADRE + 1 + UNLINKED:
                cadre = None
        household = Household.objects.create(
            village=village,
            number=f"{village.code}{serial:05d}",
            attribute=refs[Kind.ATTRIBUTE, pick(rng, ATTRIBUTES)],
            ability=refs[Kind.ABILITY, rng.choice(["有劳动能力", "无劳动能力"])],
            main_cause=refs[Kind.CAUSE, pick(rng, CAUSES)],
            phone=demo_phone(rng),
            housing=rng.choices(list(Household.Housing), weights=[80, 17, 3])[0],
            safe_water=rng.random() < 0.85,
            farmland_mu=round(rng.uniform(0, 4), 1),
            contact_cadre=cadre if status != Status.IDENTIFYING else None,
            status=status,
            status_since=returned_on or exited_on or REGISTERED_ON,
            registered_on=REGISTERED_ON if status != Status.IDENTIFYING else None,
            exited_on=exited_on,
        )
        household.other_causes.set([refs[Kind.CAUSE, causes[0]]] if rng.random() < 0.4 else [])
        # The household's history: registered, then out of poverty, then back in.
        steps = [(status if not exited_on else Status.REGISTERED, REGISTERED_ON, "示例数据")]
        if exited_on:
            steps.append((Status.EXITED, exited_on, "脱贫验收（示例数据）"))
        if returned_on:
            steps.append((Status.RETURNED, returned_on, "因病返贫（示例数据）"))
        old = ""
        for new, date, reason in steps:
            StatusChange.objects.create(
                household=household, old_status=old, new_status=new, date=date, reason=reason
            )
            old = new
        if household.contact_cadre:
            CadreAssignment.objects.create(household=household, cadre=cadre, start=REGISTERED_ON)
        # 应保尽保: the head of a household without ability to work, or of the 低保 attribute,
        # receives 低保, save one household in ten (what the data-quality rule is for).
        needs_dibao = (
            household.ability.name == "无劳动能力" or household.attribute.name == "低保贫困户"
        )
        members = [("户主", 25, 80), *FAMILY[: pick(rng, SIZES) - 1]]
        for relation, low, high in members:
            id_number = compose_id_number(COUNTY, born(rng, low, high), rng.randrange(1000))
            while id_number in used:
                id_number = compose_id_number(COUNTY, born(rng, low, high), rng.randrange(1000))
            used.add(id_number)
            # Drawn in the order the demo county has always been drawn in.
            name = demo_name(rng)
            ethnicity = "汉族" if rng.random() < 0.95 else "瑶族"
            education = rng.choice(["小学", "初中", "文盲或半文盲"])
            health = rng.choice(["健康", "健康", "长期慢性病", "残疾"])
            Person.objects.create(
                household=household,
                name=name,
                id_number=id_number,
                relation=refs[Kind.RELATION, relation],
                ethnicity=refs[Kind.ETHNICITY, ethnicity],
                education=refs[Kind.EDUCATION, education],
                health=health,
                disability_grade="3" if health == "残疾" else "",
                medical_insurance=rng.random() < 0.95,
                pension_insurance=rng.random() < 0.6,
                dibao=needs_dibao and relation == "户主" and serial % 10 != 3,
            )
    return count
