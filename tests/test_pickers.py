"""Choosing a village or a household in a real county (issue 21): hundreds of villages, the
same name in several townships. Every picker lists its options under their township (villages)
or their township and village (households), and a choice still goes through the scope."""

import re

import pytest
from django.urls import reverse

from households.forms import (
    HouseholdFilter,
    HouseholdForm,
    ReceiveHouseholdForm,
)
from ledgers.forms import PaymentForm, ProjectForm
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, ProjectFactory

GROUP = re.compile(r'<optgroup label="([^"]+)">(.*?)</optgroup>', re.S)


def groups(html):
    """{heading: [option labels]} of a rendered <select>."""
    return {
        label: re.findall(r"<option[^>]*>([^<]*)</option>", options)
        for label, options in GROUP.findall(html)
    }


@pytest.fixture
def county(east_team, west_team):
    """新村 in both townships of the county, a household in each."""
    east = AreaFactory(code="449901101203", name="新村", parent=east_team.township)
    west = AreaFactory(code="449901102203", name="新村", parent=west_team.township)
    AreaFactory(code="449901101202", name="旧村", parent=east_team.township)
    for village, head in [(east, "东户主"), (west, "西户主")]:
        PersonFactory(name=head, household=HouseholdFactory(village=village))
    return east, west


def test_villages_are_listed_under_their_township(county, county_officer, township_cadre):
    """The household filter, a new household and a household received from elsewhere."""
    for user in (county_officer, township_cadre):
        forms = [
            HouseholdFilter(user=user)["village"],
            HouseholdForm(user=user)["village"],
            ReceiveHouseholdForm(user=user)["village"],
        ]
        for field in forms:
            found = groups(str(field))
            assert found["示例东1镇"] == ["旧村", "新村"]
            if user == county_officer:
                assert found["示例西2镇"] == ["新村"]
            else:
                assert "示例西2镇" not in found


def test_households_are_listed_under_their_township_and_village(
    county, county_officer, township_cadre
):
    east, _ = county
    household = east.households.get()
    project = ProjectFactory(township=east.parent)
    county_wide = groups(str(ProjectForm(user=county_officer)["beneficiaries"]))
    assert list(county_wide) == ["示例东1镇 新村", "示例西2镇 新村"]
    assert county_wide["示例东1镇 新村"] == [f"{household.number} 东户主"]
    payment = PaymentForm(project=project, user=township_cadre)["household"]
    assert groups(str(payment)) == {"示例东1镇 新村": [f"{household.number} 东户主"]}


def test_the_household_list_page_groups_its_village_filter(as_user, county, county_officer):
    body = as_user(county_officer).get(reverse("households:list")).content.decode()
    assert '<optgroup label="示例西2镇">' in body
