import datetime

import pytest
from django.urls import reverse

from households.idnumber import compose_id_number, mask_id_number
from tests.factories import AreaFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(east_team):
    return PersonFactory(
        household__village=AreaFactory(code="449901101201"), household__phone="13812341234"
    )


def test_household_admin_is_scoped(as_user, person, other_county_officer):
    client = as_user(other_county_officer)
    url = reverse("admin:households_household_change", args=[person.household.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("admin:households_person_change", args=[person.pk])).status_code == 404
    )
    listing = client.get(reverse("admin:households_household_changelist")).content.decode()
    assert person.household.number not in listing


def test_the_add_page_does_not_name_a_household_of_another_county(
    as_user, person, other_county_officer
):
    url = reverse("admin:households_person_add") + f"?household={person.household.pk}"
    body = as_user(other_county_officer).get(url).content.decode()
    assert person.household.number not in body
    assert person.name not in body


def test_household_admin_shows_sensitive_values_masked(as_user, person, county_officer):
    client = as_user(county_officer)
    body = client.get(
        reverse("admin:households_household_change", args=[person.household.pk])
    ).content.decode()
    assert person.name in body
    assert person.id_number not in body
    assert "13812341234" not in body
    body = client.get(reverse("admin:households_person_change", args=[person.pk])).content.decode()
    assert person.id_number not in body


def test_admin_version_lists_show_changed_sensitive_values_masked(
    as_user, person, county_officer, city_officer
):
    household, old_id = person.household, person.id_number
    household.phone, household.bank_account = "13900001111", "6222020200112233445"
    household.save()
    person.id_number = compose_id_number("449901", datetime.date(1960, 1, 1), 7)
    person.save()
    for user in (county_officer, city_officer):
        client = as_user(user)
        url = reverse("admin:households_household_history", args=[household.pk])
        body = client.get(url).content.decode()
        assert "138****1234" in body
        assert "139****1111" in body
        assert "13812341234" not in body
        assert "13900001111" not in body
        assert "6222020200112233445" not in body
        assert "3445" in body
        url = reverse("admin:households_person_history", args=[person.pk])
        body = client.get(url).content.decode()
        assert mask_id_number(old_id) in body
        assert mask_id_number(person.id_number) in body
        assert old_id not in body
        assert person.id_number not in body


def test_reference_lists_are_searchable_in_the_admin(as_user, county_officer):
    response = as_user(county_officer).get(
        reverse("admin:households_referenceitem_changelist"), {"q": "因病致贫"}
    )
    assert "因病" in response.content.decode()
