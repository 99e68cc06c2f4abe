import pytest
from django.core.management import call_command

from households.coverage import team_coverage
from households.demo import TOWNSHIP_WITH_COVERAGE_GAPS, UNLINKED
from households.models import Household, Person
from teams.demo import TOWNSHIP_WITH_UNCOVERED_VILLAGE
from teams.models import Team

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_realistic_registry_once():
    call_command("seed_demo", households=120)
    assert Household.objects.count() == 120
    assert Person.objects.filter(is_head=True).count() == 120
    sizes = {h.persons.count() for h in Household.objects.all()}
    assert min(sizes) == 1
    assert max(sizes) >= 5
    assert len(set(Household.objects.values_list("status", flat=True))) >= 4
    assert Household.objects.filter(village__code__startswith="449901105").exists()
    call_command("seed_demo", households=120)
    assert Household.objects.count() == 120


def test_seed_demo_shows_every_coverage_finding_in_the_east_township():
    call_command("seed_demo", households=120)
    team = Team.objects.get(township_id=TOWNSHIP_WITH_COVERAGE_GAPS)
    coverage = team_coverage(team, Household.objects.in_area(team.township_id))
    assert len(coverage.unlinked) == UNLINKED
    assert [load.cadre.post for load in coverage.overloaded] == ["扶贫办主任"]
    uncovered = Team.objects.get(township_id=TOWNSHIP_WITH_UNCOVERED_VILLAGE)
    assert team_coverage(uncovered, Household.objects.all()).uncovered
