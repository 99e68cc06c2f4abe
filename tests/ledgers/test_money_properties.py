"""Amounts in yuan typed into the ledger forms (hypothesis): the exact number or a form error.

Whatever text arrives in an amount field, the form gives either the very number typed (finite,
not negative, at most two decimals, within the column) or a Chinese error on that field:
never an exception, never a rounded or truncated value.
"""

import re
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledgers.forms import IncomeForm, MeasureForm
from ledgers.models import Measure

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LIMIT = Decimal("1e10")  # 12 digits, 2 of them decimals
HOSTILE = [
    "-1",
    "-0.01",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e100",
    "9" * 13,
    "1" + "0" * 400,
    "１２３.５０",  # full-width digits: the same number
    "１２３．５０",  # a full-width point
    "1,234.50",
    "1 234",
    "12.345",
    "1.000",
    "0.001",
    "1e-3",
    "1_000",
    "¥100",
    "100元",
    "0x10",
    "",
    " ",
    "\x00",
    "<script>alert(1)</script>",
]
amounts = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９.,-+eE_ ．"),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers().map(str),
    st.sampled_from(HOSTILE),
)
# The examples only validate forms, they never write: one household serves them all.
quick = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def typed_number(text):
    """The number the text says as Python reads it, or None."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def assert_exact_or_refused(form, field, text):
    form.is_valid()
    if field in form.errors:
        for message in form.errors[field]:
            assert CHINESE.search(message), message
        return
    value = form.cleaned_data[field]
    if text.strip() == "":  # optional field left empty: the model's default, zero
        assert value in (None, Decimal("0"))
        return
    assert isinstance(value, Decimal)
    assert value == typed_number(text), f"{text!r} became {value}"
    assert Decimal(0) <= value < LIMIT
    assert value == value.quantize(Decimal("0.01"))


@pytest.fixture
def category():
    from ledgers.models import MeasureCategory

    return MeasureCategory.objects.filter(is_active=True).first()


@pytest.mark.django_db
@quick
@given(text=amounts)
@example(text="１２３.５０")
def test_a_measure_amount_is_the_number_typed_or_refused(household, township_cadre, text):
    form = MeasureForm(
        {"date": "2017-03-01", "description": "产业帮扶", "amount": text, "status": "done"},
        instance=Measure(household=household),
        household=household,
        user=township_cadre,
    )
    assert_exact_or_refused(form, "amount", text)


@pytest.mark.django_db
@quick
@given(text=amounts)
def test_an_income_amount_is_the_number_typed_or_refused(household, township_cadre, text):
    form = IncomeForm(
        {"year": "2017", "household_size": "3", "wages": text},
        household=household,
        user=township_cadre,
    )
    assert_exact_or_refused(form, "wages", text)


def test_full_width_digits_are_read_as_the_same_number():
    field = Measure._meta.get_field("amount").formfield()
    assert field.clean("１２３.５０") == Decimal("123.50")


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_amount_posted_is_saved_exactly_or_refused_with_nothing_saved(
    as_user, township_cadre, household, category, text
):
    client = as_user(township_cadre)
    response = client.post(
        f"/ledgers/household/{household.pk}/measure/new/",
        {
            "category": category.pk,
            "date": "2017-03-01",
            "description": "产业帮扶",
            "amount": text,
            "responsible": township_cadre.member.pk,
            "status": Measure.Status.DONE,
            "version": "",
        },
    )
    expected = typed_number(text)
    saved = Measure.objects.filter(household=household).first()
    if response.status_code == 302:
        assert saved is not None
        assert saved.amount == expected
    else:
        assert response.status_code == 200
        assert saved is None
        assert "amount" in response.context["form"].errors
