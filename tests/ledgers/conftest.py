import pytest

from households.models import ReferenceItem
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory


@pytest.fixture
def household(township_cadre):
    """A registered household of 石塘1村 (示例东1镇) whose contact cadre is ``township_cadre``,
    with a head and two more members."""
    household = HouseholdFactory(
        village=AreaFactory(code="449901101201", name="石塘1村"),
        contact_cadre=township_cadre.member,
        main_cause=ReferenceItem.objects.get(kind="cause", name="因病"),
    )
    PersonFactory(household=household, name="陈户主")
    for name, relation in [("李配偶", "配偶"), ("陈子", "子")]:
        PersonFactory(
            household=household,
            name=name,
            relation=ReferenceItem.objects.get(kind="relation", name=relation),
        )
    return household
