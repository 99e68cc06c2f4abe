import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from households.models import Household, Person, ReferenceItem
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, reference

pytestmark = pytest.mark.django_db


def test_reference_lists_are_seeded_with_synonyms_for_imports():
    resolve = ReferenceItem.objects.resolve
    assert resolve(ReferenceItem.Kind.CAUSE, "因病致贫").name == "因病"
    assert resolve(ReferenceItem.Kind.ATTRIBUTE, "低保户").name == "低保贫困户"
    assert resolve(ReferenceItem.Kind.ATTRIBUTE, " 五保户 ").name == "特困供养贫困户"
    assert resolve(ReferenceItem.Kind.CAUSE, "不存在") is None


def test_example_identification_items_are_marked_as_examples():
    for kind in [ReferenceItem.Kind.FIVE_PRIORITIES, ReferenceItem.Kind.SIX_IN]:
        names = ReferenceItem.objects.of_kind(kind).values_list("name", flat=True)
        assert names
        assert all(name.startswith("【示例】") for name in names)


def test_the_database_never_holds_a_plain_id_number_phone_or_account():
    person = PersonFactory(household__phone="13812341234", household__bank_account="62170001")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_hash FROM households_person")
        ((stored, stored_hash),) = cursor.fetchall()
        cursor.execute("SELECT id_number FROM households_historicalperson")
        history = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT phone, bank_account FROM households_household")
        phone, account = cursor.fetchone()
    assert person.id_number not in stored
    assert person.id_number not in stored_hash
    assert stored.startswith("v1$")
    assert all(h.startswith("v1$") for h in history)
    assert "13812341234" not in phone
    assert "62170001" not in account
    assert Person.objects.get().id_number == person.id_number
    assert Household.objects.get().phone == "13812341234"


def test_sex_birth_date_and_head_are_derived_and_stored_plain():
    person = PersonFactory(id_number="11010519491231002X")
    person.refresh_from_db()
    assert (person.sex, str(person.birth_date), person.is_head) == ("F", "1949-12-31", True)


def test_exact_lookup_goes_through_the_keyed_hash():
    person = PersonFactory()
    assert Person.objects.with_id_number(person.id_number).get() == person


def test_an_id_number_is_unique_across_the_whole_database():
    person = PersonFactory()
    other_county = HouseholdFactory(village=AreaFactory(code="449902101201"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(household=other_county, id_number=person.id_number)


def test_a_household_has_at_most_one_head():
    person = PersonFactory()
    PersonFactory(household=person.household, relation=reference("relation", "配偶"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(household=person.household)


def test_the_household_number_is_the_village_code_and_a_serial():
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(
            village=AreaFactory(code="449901101201"), number="44990110120200001"
        )


def test_a_reference_item_in_use_cannot_be_deleted():
    """The database does not check reference columns (see `households.models._reference`), so
    Django's PROTECT is what keeps a person from pointing at a deleted item."""
    person = PersonFactory(ethnicity=reference(ReferenceItem.Kind.ETHNICITY, "汉族"))
    with pytest.raises(ProtectedError):
        person.ethnicity.delete()
    person.refresh_from_db()
    assert person.ethnicity.name == "汉族"
