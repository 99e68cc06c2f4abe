"""Edit forms never put a stored ID number, phone or bank account into the page: the masked
value is the placeholder, a blank field keeps the value, only a newly typed one is written.
(A township account collected every ID number of its township through these forms.)"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from households.models import Disclosure, Household, Person
from tests.factories import AreaFactory, PersonFactory, reference
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
    # Those who may change the phone see it masked as the field's placeholder (the others do
    # not get the field: see the test below).
    placeholder = "138****1234" in client.get(forms_of(household)[0]).content.decode()
    assert placeholder is (persona != "township_cadre")
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
        "version": household.version,
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
    data.update({"months_worked": 0, "version": person.version})
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
    assert person.id_number == new
    assert Person.objects.with_id_number(new).exists()


def test_a_new_person_still_needs_an_id_number(as_user, county_officer, household):
    client = as_user(county_officer)
    url = reverse("households:person_create", args=[household.pk])
    data = {"name": "新人", "id_number": "", "relation": reference("relation", "子").pk}
    response = client.post(url, {**data, "months_worked": 0})
    assert response.status_code == 200
    assert household.persons.count() == 2


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
        assert phone not in page
        assert account not in page
        assert person.id_number not in page


def registered_elsewhere():
    """A person of another county (449902), outside every account of 449901."""
    return PersonFactory(household__village=AreaFactory(code="449902101201"))


NEUTRAL = "该证件号码无法在此登记，请联系县扶贫办核实。"


def test_an_id_number_registered_outside_the_area_gets_a_neutral_answer_and_is_logged(
    as_user, township_cadre, household
):
    """PersonForm told a township cadre whether any ID number of any county was registered."""
    other = registered_elsewhere()
    client = as_user(township_cadre)
    url = reverse("households:person_create", args=[household.pk])
    data = {"name": "新人", "relation": reference("relation", "子").pk, "months_worked": 0}
    page = client.post(url, {**data, "id_number": other.id_number}).content.decode()
    assert NEUTRAL in page
    assert "已登记" not in page.replace(NEUTRAL, "")
    clash = Disclosure.objects.get()
    assert (clash.action, clash.user, clash.area_code) == ("clash", township_cadre, "449901101201")
    assert other.id_number not in clash.reason
    assert household.persons.count() == 2
    # Inside the area the cadre may be told plainly: the person is on their own pages.
    inside = household.persons.first()
    page = client.post(url, {**data, "id_number": inside.id_number}).content.decode()
    assert "已登记" in page
    assert Disclosure.objects.count() == 1


def test_probing_id_numbers_is_limited(as_user, township_cadre, household, settings):
    settings.ID_CLASHES_PER_HOUR = 2
    client = as_user(township_cadre)
    url = reverse("households:person_create", args=[household.pk])
    data = {"name": "新人", "relation": reference("relation", "子").pk, "months_worked": 0}
    for _probe in range(2):
        client.post(url, {**data, "id_number": registered_elsewhere().id_number})
    fresh = id_number("19990909", "091")  # registered nowhere, but the limit is reached
    page = client.post(url, {**data, "id_number": fresh}).content.decode()
    assert "请稍后再试" in page
    assert not Person.objects.with_id_number(fresh).exists()
    assert Disclosure.objects.filter(action="clash").count() == 2


def test_the_admin_says_no_more_than_the_form(as_user, county_officer):
    other = registered_elsewhere()
    household = PersonFactory(household__village=AreaFactory(code="449901101201")).household
    response = as_user(county_officer).post(
        reverse("admin:households_person_add"),
        {
            "household": household.pk,
            "name": "新人",
            "id_number": other.id_number,
            "relation": reference("relation", "子").pk,
            "months_worked": 0,
        },
    )
    page = response.content.decode()
    assert NEUTRAL in page
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("cadre", False), ("contact cadre", True), ("leader", True), ("county", True)],
)
def test_only_the_contact_cadre_the_leader_and_the_county_change_phone_account_and_id_numbers(
    as_user, township_cadre, township_leader, county_officer, household, persona, allowed
):
    """Any township account rewrote any household's phone and bank account in its township."""
    if persona == "contact cadre":
        Household.objects.filter(pk=household.pk).update(contact_cadre=township_cadre.member)
        household.refresh_from_db()  # (the update counts as a change: a new version)
    user = {"leader": township_leader, "county": county_officer}.get(persona, township_cadre)
    client = as_user(user)
    url = reverse("households:edit", args=[household.pk])
    assert ('name="phone"' in client.get(url).content.decode()) is allowed
    client.post(url, household_data(household, phone="13700137000", bank_account="62170000"))
    household.refresh_from_db()
    assert (household.phone == "13700137000") is allowed
    assert (household.bank_account == "62170000") is allowed
    person = household.persons.get(name="配偶乙")
    stored, new = person.id_number, id_number("19700707", "072")
    url = reverse("households:person_edit", args=[person.pk])
    assert ('name="id_number"' in client.get(url).content.decode()) is allowed
    assert client.post(url, person_data(person, id_number=new)).status_code == 302
    person.refresh_from_db()
    assert person.id_number == (new if allowed else stored)


@pytest.mark.parametrize("phone", ["abc", "电话待补", "((((((", "1234"])
def test_a_phone_that_is_not_a_phone_number_is_refused_and_nothing_changes(
    as_user, county_officer, household, phone
):
    """ "abc" was accepted and printed on the public board."""
    url = reverse("households:edit", args=[household.pk])
    response = as_user(county_officer).post(url, household_data(household, phone=phone))
    assert response.status_code == 200
    assert "这不是电话号码" in response.content.decode()
    household.refresh_from_db()
    assert household.phone == "13812341234"
