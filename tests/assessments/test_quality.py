"""The data-quality rules (issue 22): each finds what it documents and nothing else; running
them again raises nothing twice, clears what the data no longer shows, and leaves reviewed
findings as reviewed."""

import datetime

import pytest

from assessments.quality import RULES, run_rules
from households.idnumber import compose_id_number
from households.models import Finding, Household, MemberChange
from ledgers.models import Guarantee, Income
from tests.factories import AreaFactory, HouseholdFactory, IncomeFactory, PersonFactory, reference

pytestmark = pytest.mark.django_db
YEAR = 2018


@pytest.fixture
def village(east_team):
    return AreaFactory(code="449901101201")


def household(village, **fields):
    made = HouseholdFactory(village=village, **fields)
    PersonFactory(household=made)
    return made


def guarantee(household, **states):
    return Guarantee.objects.create(household=household, year=YEAR, **states)


def found(code):
    run_rules(Household.objects.all(), YEAR, [code])
    return {
        (f.household, f.person) for f in Finding.objects.filter(kind=code).exclude(state="cleared")
    }


def test_every_rule_is_documented():
    for rule in RULES.values():
        assert rule.hits.__doc__, rule.code
        assert str(rule.label), rule.code


def test_dibao_missing(village):
    unable = household(village, ability=reference("ability", "无劳动能力"))
    dibao = household(village, attribute=reference("attribute", "低保贫困户"))
    covered = household(village, ability=reference("ability", "无劳动能力"))
    covered.persons.update(dibao=True)
    household(village, ability=reference("ability", "有劳动能力"))
    assert found("dibao_missing") == {(unable, None), (dibao, None)}


def test_housing_conflict(village):
    dangerous = household(village, housing=Household.Housing.DANGEROUS)
    guarantee(dangerous, housing="met")
    honest = household(village, housing=Household.Housing.DANGEROUS)
    guarantee(honest, housing="not_met")
    guarantee(household(village), housing="met")
    assert found("housing_conflict") == {(dangerous, None)}


def test_school_age_out_of_school(village):
    home = household(village)
    child = PersonFactory(
        household=home,
        relation=reference("relation", "子"),
        id_number=compose_id_number("449901", datetime.date(YEAR - 10, 3, 1), 11),
        in_school=reference("in_school", "非在校生"),
    )
    PersonFactory(  # an adult not in school is no finding
        household=home,
        relation=reference("relation", "配偶"),
        id_number=compose_id_number("449901", datetime.date(1980, 3, 1), 12),
        in_school=reference("in_school", "非在校生"),
    )
    guarantee(home, education="met")
    other = household(village)
    PersonFactory(
        household=other,
        relation=reference("relation", "子"),
        id_number=compose_id_number("449901", datetime.date(YEAR - 10, 5, 1), 13),
        in_school=reference("in_school", "非在校生"),
    )
    guarantee(other, education="not_met")
    assert found("school_age_out") == {(home, child)}


def test_deceased_counted(village):
    home = household(village)
    elder = PersonFactory(household=home, relation=reference("relation", "母亲"))
    MemberChange.objects.create(
        household=home, person=elder, kind="death", date=datetime.date(YEAR, 3, 1)
    )
    elder.left_on = datetime.date(YEAR, 3, 1)
    elder.save()
    IncomeFactory(household=home, year=YEAR, household_size=2)
    right = household(village)
    IncomeFactory(household=right, year=YEAR, household_size=1)
    assert found("deceased_counted") == {(home, None)}


def test_shared_contact(village):
    one = household(village, phone="13800138000")
    two = household(village, phone="138 0013 8000".replace(" ", ""))
    household(village, phone="13900139000")
    three = household(village, bank_account="6222020000001")
    four = household(village, bank_account="6222020000001")
    assert found("shared_contact") == {(one, None), (two, None), (three, None), (four, None)}
    assert "138****8000 × 2" in Finding.objects.filter(household=one).get().detail


def test_near_duplicate(village):
    born = datetime.date(1970, 5, 1)
    a = PersonFactory(
        household=household(village),
        name="张三",
        relation=reference("relation", "配偶"),
        id_number=compose_id_number("449901", born, 21),
    )
    b = PersonFactory(
        household=household(village),
        name="张三",
        relation=reference("relation", "配偶"),
        id_number=compose_id_number("449901", born, 23),
    )
    PersonFactory(  # another county: no finding
        household=household(AreaFactory(code="449902101201")),
        name="张三",
        relation=reference("relation", "配偶"),
        id_number=compose_id_number("449902", born, 25),
    )
    assert found("near_duplicate") == {(a.household, a), (b.household, b)}


def test_income_above_exit_line(village):
    rich = household(village)
    for year in (YEAR - 1, YEAR):
        Income.objects.create(
            household=rich, year=year, household_size=1, wages=20000, per_capita=20000
        )
    once = household(village)
    Income.objects.create(
        household=once, year=YEAR, household_size=1, wages=20000, per_capita=20000
    )
    exited = household(village, status=Household.Status.EXITED)
    for year in (YEAR - 1, YEAR):
        Income.objects.create(
            household=exited, year=year, household_size=1, wages=20000, per_capita=20000
        )
    assert found("income_above_line") == {(rich, None)}


def test_running_again_clears_what_is_gone_and_keeps_reviews(village):
    fixed = household(village, housing=Household.Housing.DANGEROUS)
    guarantee(fixed, housing="met")
    dismissed = household(village, housing=Household.Housing.DANGEROUS)
    guarantee(dismissed, housing="met")
    assert len(found("housing_conflict")) == 2
    assert run_rules(Household.objects.all(), YEAR, ["housing_conflict"]) == {"housing_conflict": 0}
    Finding.objects.filter(household=dismissed).update(state="dismissed", reason="已改造完成")
    Household.objects.filter(pk=fixed.pk).update(housing=Household.Housing.SAFE)
    run_rules(Household.objects.all(), YEAR, ["housing_conflict"])
    states = dict(Finding.objects.values_list("household", "state"))
    assert states == {fixed.pk: "cleared", dismissed.pk: "dismissed"}
    assert Finding.objects.get(household=fixed).history.count() == 2


def test_the_command_runs_the_rules_of_an_area(village, capsys):
    from django.core.management import call_command

    dangerous = household(village, housing=Household.Housing.DANGEROUS)
    guarantee(dangerous, housing="met")
    call_command("quality_rules", "--area", "449901", "--year", str(YEAR))
    assert "housing_conflict: 1 new" in capsys.readouterr().out
    assert Finding.objects.get().household == dangerous
