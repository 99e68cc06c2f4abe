"""The one permission table (teams.permissions): docs/security.md shows it as the code has it,
and the roles come from the account and the team membership."""

from pathlib import Path

import pytest
from django.utils import timezone

from teams.models import User
from teams.permissions import PERMISSIONS, Role, markdown, may, roles
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_security_md_shows_the_table_of_the_code():
    assert markdown() in SECURITY.read_text(), (
        "docs/security.md must contain the table as teams.permissions.markdown() renders it:\n"
        + markdown()
    )


def test_city_and_province_offices_may_do_nothing_but_read():
    assert not any(
        role in allowed
        for _label, allowed in PERMISSIONS.values()
        for role in (
            Role.CITY,
            Role.PROVINCE,
        )
    )


def test_roles_in_a_township(east_team, west_team, township_cadre, township_leader):
    household = HouseholdFactory(village__code="449901101201", contact_cadre=township_cadre.member)
    assert roles(township_cadre, household=household) == {Role.MEMBER, Role.CONTACT}
    assert roles(township_leader, household=household) == {Role.MEMBER, Role.LEADER}
    assert roles(township_leader, township_id=west_team.township_id) == set()
    assert may(township_cadre, "reveal", household=household)
    assert not may(township_leader, "reveal", household=household)
    assert may(township_leader, "change_contact_details", household=household)


def test_a_membership_that_ended_gives_no_role(east_team):
    user = UserFactory(username="left", role=User.Role.TOWNSHIP, area=east_team.township)
    MemberFactory(team=east_team, user=user, left=timezone.localdate())
    assert roles(user, township_id=east_team.township_id) == set()
    assert not may(user, "keep_ledger", township_id=east_team.township_id)


def test_an_office_without_an_area_has_no_role(db):
    assert roles(UserFactory(role=User.Role.COUNTY, area=None)) == set()
