import pytest
from django.core.management import call_command

from households.models import Household, Person

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_realistic_registry_once():
    call_command("seed_demo", households=120)
    assert Household.objects.count() == 120
    assert Person.objects.filter(is_head=True).count() == 120
    sizes = {h.persons.count() for h in Household.objects.all()}
    assert min(sizes) == 1 and max(sizes) >= 5
    assert len(set(Household.objects.values_list("status", flat=True))) >= 4
    assert Household.objects.filter(village__code__startswith="449901105").exists()
    call_command("seed_demo", households=120)
    assert Household.objects.count() == 120
