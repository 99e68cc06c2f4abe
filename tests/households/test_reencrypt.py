import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast

from households import sensitive
from households.models import Household, Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
OLD, NEW = (base64.urlsafe_b64encode(bytes([n]) * 32).decode() for n in (1, 2))


@pytest.fixture
def keys(settings):
    """Set FIELD_ENCRYPTION_KEY; sensitive.py caches the decoded keys, so drop that cache."""

    def use(*keys):
        settings.FIELD_ENCRYPTION_KEY = list(keys)
        sensitive._keys.cache_clear()

    yield use
    sensitive._keys.cache_clear()


def stored(model, field):
    """The ciphertexts as stored, ordered by primary key."""
    return list(
        model._base_manager.order_by("pk")
        .annotate(raw=Cast(field, TextField()))
        .values_list("raw", flat=True)
    )


def key_ids(model, field):
    return {value.split("$")[1] for value in stored(model, field) if value}


def reencrypt(*args):
    out = StringIO()
    call_command("reencrypt_fields", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_data(keys):
    keys(OLD)
    person = PersonFactory(household__phone="13812341234")
    person.name = "改名"
    person.save()  # a second history row
    keys(NEW, OLD)
    return person


def test_values_under_an_old_key_are_rewritten_under_the_new_one_history_included(old_data):
    person = old_data
    before_hash = person.id_number_hash
    histories = Person.history.count(), Household.history.count()
    new_id = sensitive.current_key_id()

    output = reencrypt()

    assert "households.Person: 1 values re-encrypted, 0 already current." in output
    assert "households.HistoricalPerson: 2 values re-encrypted, 0 already current." in output
    assert "households.Household: 1 values re-encrypted, 0 already current." in output
    for model, field in [
        (Person, "id_number"),
        (Person.history.model, "id_number"),
        (Household, "phone"),
        (Household.history.model, "phone"),
    ]:
        assert key_ids(model, field) == {new_id}
    assert (Person.history.count(), Household.history.count()) == histories
    person.refresh_from_db()
    assert person.id_number == old_data.id_number
    assert person.id_number_hash == before_hash
    assert person.household.phone == "13812341234"
    assert {h.id_number for h in person.history.all()} == {old_data.id_number}
    assert person.household.bank_account == ""  # the empty value stays empty


def test_a_second_run_finds_nothing_to_do(old_data):
    reencrypt()
    ciphertexts = stored(Person, "id_number")

    output = reencrypt()

    assert "households.Person: 0 values re-encrypted, 1 already current." in output
    assert "households.HistoricalPerson: 0 values re-encrypted, 2 already current." in output
    assert stored(Person, "id_number") == ciphertexts


def test_a_dry_run_counts_and_changes_nothing(old_data):
    ciphertexts = stored(Person.history.model, "id_number")

    output = reencrypt("--dry-run")

    assert "households.HistoricalPerson: 2 values to re-encrypt, 0 already current." in output
    assert stored(Person.history.model, "id_number") == ciphertexts
    assert key_ids(Person, "id_number") != {sensitive.current_key_id()}
