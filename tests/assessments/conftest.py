import datetime

import pytest

from households.models import Household, ReferenceItem
from ledgers.models import Guarantee, Plan
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    IncomeFactory,
    PersonFactory,
    VisitFactory,
)

YEAR = 2017
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
