import datetime

import pytest

from households.models import CadreAssignment, Household, MemberChange, ReferenceItem, StatusChange
from ledgers.models import Guarantee, Plan
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    IncomeFactory,
    MemberFactory,
    PersonFactory,
    VisitFactory,
    reference,
)

YEAR = 2017
Status = Household.Status
D = datetime.date
#: The day the 2017 figures are taken at: the last day of the year.
DAY = datetime.date(2017, 12, 31)


def cause(name):
    return ReferenceItem.objects.get(kind="cause", name=name)


def household(village, *, cadre=None, status=Household.Status.REGISTERED, **kwargs):
    made = HouseholdFactory(
        village=village, contact_cadre=cadre, status=status, main_cause=cause("因病"), **kwargs
    )
    PersonFactory(household=made)
    return made


def complete_ledger(made, year=YEAR, per_capita_income=True):
    """A yearly plan, an income above the lines, all guarantees met, a visit in December."""
    Plan.objects.create(household=made, kind=Plan.Kind.YEARLY, year=year, goals="稳定增收")
    IncomeFactory(household=made, year=year, wages=24000)
    Guarantee.objects.create(
        household=made,
        year=year,
        **{state: Guarantee.State.MET for state, _evidence in Guarantee.ITEMS},
        **{evidence: "已核实" for _state, evidence in Guarantee.ITEMS},
    )
    VisitFactory(household=made, date=datetime.date(year, 12, 20))


@pytest.fixture
def east_households(east_team, township_cadre):
    """示例东1镇: one household with a complete ledger, one nobody is linked to and never
    visited, one back in poverty, one out of poverty in 2017."""
    village = AreaFactory(code="449901101201", name="石塘1村")
    cadre = township_cadre.member
    complete = household(village, cadre=cadre)
    complete_ledger(complete)
    unlinked = household(village)
    returned = household(village, cadre=cadre, status=Household.Status.RETURNED)
    exited = household(
        village,
        cadre=cadre,
        status=Household.Status.EXITED,
        exited_on=datetime.date(2017, 11, 30),
    )
    return {"complete": complete, "unlinked": unlinked, "returned": returned, "exited": exited}


def history(made, *steps):
    """The household's status history: (status, date) steps from its registration."""
    old = ""
    for new, date in steps:
        StatusChange.objects.create(
            household=made, old_status=old, new_status=new, date=date, reason="测试"
        )
        old = new
        if new == Status.EXITED:
            Household.objects.filter(pk=made.pk).update(exited_on=date)
    Household.objects.filter(pk=made.pk).update(status=old, status_since=date)


@pytest.fixture
def timeline(east_team):
    """示例东1镇 through 2017 and 2018, each household changing across the 2017 cut-off."""
    village = AreaFactory(code="449901101201", name="石塘1村")
    left_2017 = MemberFactory(team=east_team, name="调走干部", left=D(2017, 10, 1))
    serving = MemberFactory(team=east_team, name="在岗干部")
    # Registered in 2016, out of poverty in June 2018: in poverty at the end of 2017. Its
    # cadre left the team in October 2017 and was replaced in February 2018.
    exits = household(village, cadre=serving)
    history(exits, (Status.REGISTERED, D(2016, 6, 1)), (Status.EXITED, D(2018, 6, 30)))
    CadreAssignment.objects.create(
        household=exits, cadre=left_2017, start=D(2016, 6, 1), end=D(2018, 2, 1)
    )
    CadreAssignment.objects.create(household=exits, cadre=serving, start=D(2018, 2, 1))
    VisitFactory(household=exits, date=D(2017, 12, 20))
    VisitFactory(household=exits, date=D(2018, 3, 5))
    # Registered in March 2018: did not exist at the end of 2017.
    new = household(village, cadre=serving)
    history(new, (Status.IDENTIFYING, D(2018, 1, 10)), (Status.REGISTERED, D(2018, 3, 1)))
    CadreAssignment.objects.create(household=new, cadre=serving, start=D(2018, 3, 1))
    # Out of poverty in 2017, back in May 2018.
    back = household(village, cadre=serving)
    history(
        back,
        (Status.REGISTERED, D(2016, 6, 1)),
        (Status.EXITED, D(2017, 9, 1)),
        (Status.RETURNED, D(2018, 5, 2)),
    )
    CadreAssignment.objects.create(household=back, cadre=serving, start=D(2016, 6, 1))
    # In poverty all along, with a member born in 2018 and one who died in 2018.
    steady = household(village, cadre=serving)
    history(steady, (Status.REGISTERED, D(2016, 6, 1)))
    CadreAssignment.objects.create(household=steady, cadre=serving, start=D(2016, 6, 1))
    baby = PersonFactory(household=steady, relation=reference(ReferenceItem.Kind.RELATION, "子"))
    MemberChange.objects.create(household=steady, person=baby, kind="birth", date=D(2018, 2, 10))
    grandfather = PersonFactory(
        household=steady,
        relation=reference(ReferenceItem.Kind.RELATION, "父亲"),
        left_on=D(2018, 1, 5),
    )
    MemberChange.objects.create(
        household=steady, person=grandfather, kind="death", date=D(2018, 1, 5)
    )
    return {"exits": exits, "new": new, "back": back, "steady": steady}
