import pytest
from django.urls import reverse

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


def test_household_admin_shows_sensitive_values_masked(as_user, person, county_officer):
    client = as_user(county_officer)
    body = client.get(
        reverse("admin:households_household_change", args=[person.household.pk])
    ).content.decode()
    assert person.name in body
    assert person.id_number not in body and "13812341234" not in body
    body = client.get(reverse("admin:households_person_change", args=[person.pk])).content.decode()
    assert person.id_number not in body


def test_reference_lists_are_searchable_in_the_admin(as_user, county_officer):
    response = as_user(county_officer).get(
        reverse("admin:households_referenceitem_changelist"), {"q": "因病致贫"}
    )
    assert "因病" in response.content.decode()
