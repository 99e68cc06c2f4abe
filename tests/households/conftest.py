import pytest

from tests.factories import AreaFactory, PersonFactory, reference


@pytest.fixture
def household(east_team):
    """A household of 石塘1村 in the east team's township: 户主甲 and 配偶乙."""
    head = PersonFactory(
        name="户主甲",
        household__village=AreaFactory(code="449901101201", name="石塘1村"),
        household__phone="13812341234",
        household__main_cause=reference("cause", "因病"),
    )
    PersonFactory(household=head.household, name="配偶乙", relation=reference("relation", "配偶"))
    return head.household
