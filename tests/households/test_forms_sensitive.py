"""Edit forms never put a stored ID number, phone or bank account into the page: the masked
value is the placeholder, a blank field keeps the value, only a newly typed one is written.
(A township account collected every ID number of its township through these forms.)"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from households.models import Disclosure, Household, Person
from tests.factories import reference
from tests.households.rosters import id_number

pytestmark = pytest.mark.django_db

ACCOUNT = "6217001234567890123"


@pytest.fixture
def household(household):
    household.bank_account = ACCOUNT
    household.save()
    return household


def forms_of(household):
    return [reverse("households:edit", args=[household.pk])] + [
        reverse("households:person_edit", args=[person.pk]) for person in household.persons.all()
    ]


@pytest.mark.parametrize("persona", ["township_cadre", "township_leader", "county_officer"])
def test_no_edit_form_holds_a_full_value_for_any_persona(request, as_user, household, persona):
    client = as_user(request.getfixturevalue(persona))
    secrets = [household.phone, ACCOUNT, *(p.id_number for p in household.persons.all())]
    for url in forms_of(household):
        page = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in page, (persona, url)
    assert "138****1234" in client.get(forms_of(household)[0]).content.decode()
    assert not Disclosure.objects.exists()


def household_data(household, **changes):
    data = {
        "attribute": household.attribute_id or "",
        "ability": household.ability_id or "",
        "main_cause": household.main_cause_id,
        "phone": "",
        "bank_name": household.bank_name,
        "bank_account": "",
        "housing": household.housing,
        "farmland_mu": household.farmland_mu,
        "forest_mu": household.forest_mu,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_blank_sensitive_fields_keep_their_values_and_typed_ones_replace_them(
    as_user, county_officer, household
):
    client = as_user(county_officer)
    url = reverse("households:edit", args=[household.pk])
    assert client.post(url, household_data(household, bank_name="农商银行")).status_code == 302
    household.refresh_from_db()
    assert (household.phone, household.bank_account, household.bank_name) == (
        "13812341234",
        ACCOUNT,
        "农商银行",
    )
    client.post(url, household_data(household, phone="139 0013 9000"))
    household.refresh_from_db()
    assert (household.phone, household.bank_account) == ("13900139000", ACCOUNT)


def person_data(person, **changes):
    data = {"name": person.name, "id_number": "", "relation": person.relation_id}
    data.update({"months_worked": 0})
    data.update(changes)
    return data


def test_a_person_edit_keeps_the_id_number_unless_a_new_one_is_typed(
    as_user, county_officer, household
):
    person = household.persons.get(name="配偶乙")
    stored = person.id_number
    client = as_user(county_officer)
    url = reverse("households:person_edit", args=[person.pk])
    assert client.post(url, person_data(person, name="配偶丙")).status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number) == ("配偶丙", stored)
    new = id_number("19700707", "072")
    client.post(url, person_data(person, id_number=new))
    person.refresh_from_db()
    assert person.id_number == new and Person.objects.with_id_number(new).exists()


def test_a_new_person_still_needs_an_id_number(as_user, county_officer, household):
    client = as_user(county_officer)
    url = reverse("households:person_create", args=[household.pk])
    data = {"name": "新人", "id_number": "", "relation": reference("relation", "子").pk}
    response = client.post(url, {**data, "months_worked": 0})
    assert response.status_code == 200 and household.persons.count() == 2


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    phone=st.from_regex(r"\+?[0-9][0-9 -]{6,18}[0-9]", fullmatch=True),
    account=st.from_regex(r"[0-9]{12,19}", fullmatch=True),
    born=st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2015, 12, 31)),
)
def test_whatever_is_stored_no_edit_form_shows_it(
    as_user, township_cadre, household, phone, account, born
):
    Household.objects.filter(pk=household.pk).update(phone=phone, bank_account=account)
    person = household.persons.get(name="配偶乙")
    person.id_number = id_number(born.strftime("%Y%m%d"), "022")
    person.save()
    client = as_user(township_cadre)
    for url in forms_of(household):
        page = client.get(url).content.decode()
        assert phone not in page and account not in page and person.id_number not in page
