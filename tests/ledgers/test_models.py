from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ledgers.models import Guarantee, Income, Measure, MeasureCategory, PovertyStandard
from ledgers.selectors import standing
from teams.locking import EditConflict, delete_versioned, save_versioned
from tests.factories import IncomeFactory, MeasureFactory


def test_nine_measure_categories_and_yearly_lines_are_seeded(db):
    assert list(MeasureCategory.objects.values_list("name", flat=True)) == [
        "政策宣传",
        "产业帮扶",
        "就业服务",
        "社会保障",
        "教育资助",
        "医保救助",
        "危房改造",
        "金融扶持",
        "资产收益",
    ]
    years = set(PovertyStandard.objects.values_list("year", flat=True))
    assert {2016, 2017, 2018} <= years


def test_per_capita_income_subtracts_production_costs_once(household):
    income = IncomeFactory(household=household, household_size=4)
    # (12000 wages + 6000 production − 2000 costs + 0 property + 3600 低保) / 4
    assert income.per_capita == Decimal("4900.00")
    assert income.net_production == Decimal("4000")
    assert income.transfers == Decimal("3600")


def test_per_capita_income_is_rounded_to_the_fen(household):
    income = IncomeFactory(household=household, household_size=3)
    assert income.per_capita == Decimal("6533.33")


def test_income_is_judged_against_the_years_lines(household):
    standard = PovertyStandard(year=2017, poverty_line=Decimal(4240), exit_line=Decimal(7750))
    assert standing(Decimal("4000"), standard)[0] == "bad"
    assert standing(Decimal("4900"), standard)[0] == "warn"
    assert standing(Decimal("7750"), standard)[0] == "ok"
    assert standing(Decimal("7750"), None) is None


def test_a_met_guarantee_needs_its_evidence(household):
    guarantee = Guarantee(household=household, year=2017, housing=Guarantee.State.MET)
    with pytest.raises(ValidationError) as error:
        guarantee.full_clean()
    assert "housing_evidence" in error.value.message_dict


def test_a_stale_save_is_refused_and_keeps_the_other_value(household):
    measure = MeasureFactory(household=household)
    first, second = Measure.objects.get(pk=measure.pk), Measure.objects.get(pk=measure.pk)
    first.description = "第一人"
    save_versioned(first, version=1)
    second.description = "第二人"
    with pytest.raises(EditConflict) as conflict:
        save_versioned(second, version=1)
    assert conflict.value.current.description == "第一人"
    measure.refresh_from_db()
    assert (measure.description, measure.version) == ("第一人", 2)


def test_bulk_updates_bump_the_version(household):
    measure = MeasureFactory(household=household)
    Measure.objects.filter(household=household).update(status=Measure.Status.DONE)
    measure.refresh_from_db()
    assert measure.version == 2
    with pytest.raises(EditConflict):
        save_versioned(measure, version=1)


def test_deleting_a_changed_record_is_refused_and_deletions_are_in_history(household):
    measure = MeasureFactory(household=household)
    Measure.objects.filter(pk=measure.pk).update(amount=1)
    with pytest.raises(EditConflict):
        delete_versioned(measure, version=1)
    assert Measure.objects.filter(pk=measure.pk).exists()
    pk = measure.pk
    delete_versioned(measure, version=2)
    assert not Measure.objects.filter(pk=pk).exists()
    assert Measure.history.filter(id=pk, history_type="-").count() == 1


def test_one_income_per_household_and_year(household):
    IncomeFactory(household=household, year=2017)
    with pytest.raises(ValidationError):
        Income(household=household, year=2017, household_size=1).validate_constraints()
