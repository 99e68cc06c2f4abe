import datetime

import pytest
from django.core.exceptions import ValidationError

from households.idnumber import (
    REPAIR_FULL_WIDTH,
    REPAIR_LOWERCASE_X,
    REPAIR_SPACES,
    REPAIR_UPGRADED,
    birth_date,
    check_character,
    compose_id_number,
    is_male,
    mask_id_number,
    normalise_id_number,
)
from households.sensitive import mask_account, mask_phone

# The worked example of GB 11643-1999.
STANDARD_EXAMPLE = "11010519491231002X"


def test_check_character_follows_gb_11643():
    assert check_character(STANDARD_EXAMPLE[:17]) == "X"
    assert normalise_id_number(STANDARD_EXAMPLE) == (STANDARD_EXAMPLE, [])


@pytest.mark.parametrize("first17", ["١١٠١٠٥١٩٤٩١٢٣١٠٠٢", "1101051949123100x", "110105"])
def test_check_character_takes_17_ascii_digits_only(first17):
    # Other digits pass int() and would give a check character; they are refused instead.
    with pytest.raises(ValueError, match="Not 17 ASCII digits"):
        check_character(first17)


def test_sex_and_birth_date_come_from_the_number():
    assert birth_date(STANDARD_EXAMPLE) == datetime.date(1949, 12, 31)
    assert not is_male(STANDARD_EXAMPLE)
    assert is_male(compose_id_number("449901", datetime.date(1980, 5, 6), 11))


@pytest.mark.parametrize(
    ("raw", "repair"),
    [
        (" 110105 19491231002X ", REPAIR_SPACES),
        ("１１０１０５１９４９１２３１００２X", REPAIR_FULL_WIDTH),
        ("11010519491231002x", REPAIR_LOWERCASE_X),
    ],
)
def test_damaged_numbers_are_repaired_and_the_repair_reported(raw, repair):
    value, repairs = normalise_id_number(raw)
    assert value == STANDARD_EXAMPLE
    assert repair in repairs


def test_fifteen_digit_numbers_are_upgraded_to_eighteen():
    value, repairs = normalise_id_number("110105491231002")
    assert value == STANDARD_EXAMPLE
    assert repairs == [REPAIR_UPGRADED]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "check_character"),
        ("110105194913310025", "birth_date"),
        ("1101051949123100", "format"),
        ("", "format"),
        (4.49901200302127e17, "stored_as_number"),
        ("4.49901E+17", "stored_as_number"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(raw, code):
    with pytest.raises(ValidationError) as exc:
        normalise_id_number(raw)
    assert exc.value.code == code


def test_masks_hide_everything_that_identifies():
    assert mask_id_number("44990120030212123X") == "****************3X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_account("6217000011112222333") == "***************2333"
