"""Resident ID numbers (公民身份号码, GB 11643-1999): normalise, check, derive, mask.

The roster import and the pages share these functions, so a number is judged the same way
wherever it comes from.
"""

import datetime
import functools
import operator
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.sensitive import keyed_hash

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARACTERS = "10X98765432"
WEIGHTED_ZEROS = ord("0") * sum(WEIGHTS)
ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")

# Repairs reported by `normalise_id_number`, so the import can count them.
REPAIR_SPACES = "spaces"
REPAIR_FULL_WIDTH = "full_width"
REPAIR_LOWERCASE_X = "lowercase_x"
REPAIR_UPGRADED = "upgraded_15"
REPAIR_NUMBER_15 = "number_15"
REPAIR_INVISIBLE = "invisible"
REPAIR_APOSTROPHE = "apostrophe"
#: Characters that show as nothing: zero-width spaces and joiners, marks, a byte-order mark.
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


def tidy(text: str) -> tuple[str, str]:
    """``text`` without invisible characters, spaces around it and a literal leading
    apostrophe (Excel's text marker typed into the cell), and the repair it needed."""
    repair = ""
    cleaned = INVISIBLE.sub("", text)
    if cleaned != text:
        repair = REPAIR_INVISIBLE
    stripped = cleaned.strip()
    if stripped.startswith("'"):
        stripped, repair = stripped[1:].strip(), REPAIR_APOSTROPHE
    if not repair and stripped != text:
        repair = REPAIR_SPACES
    return stripped, repair


def check_character(first17: str) -> str:
    """The 18th character of a number whose first 17 digits are ``first17`` (ASCII digits)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"Not 17 ASCII digits: {first17!r}")
    # The bytes of ASCII digits are the digits plus 48: no int() per character.
    return CHECK_CHARACTERS[
        (sum(map(operator.mul, first17.encode(), WEIGHTS)) - WEIGHTED_ZEROS) % 11
    ]


def birth_date(value: str) -> datetime.date | None:
    """The birth date encoded in an 18-character number, or None when it is not a date."""
    try:
        return _date(value[6:14])
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)  # more than the days since 1880
def _date(digits: str) -> datetime.date:
    """The date of eight digits (YYYYMMDD); remembered, as an import asks for the same few
    tens of thousands of dates twice for each of its persons."""
    return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def is_male(value: str) -> bool:
    """The 17th digit (the sequence code) is odd for men, even for women."""
    return int(value[16]) % 2 == 1


def normalise_id_number(raw, today=None) -> tuple[str, list[str]]:
    """The valid 18-character number for ``raw`` and the repairs it needed.

    Repaired: spaces anywhere, full-width digits, a lowercase x, a 15-digit first-generation
    number (the century 19 is inserted and the check character computed). Anything else that
    is not a valid number raises ValidationError with a message for the person fixing the sheet.
    A number Excel stored as a number has lost its last digits and cannot be repaired.
    ``today`` (for the birth-date check) saves a roster import asking for it on every row.
    """
    if type(raw) is str and ID_NUMBER.fullmatch(raw):
        # Nearly every cell of a roster: nothing to repair, so only the checks remain.
        validate_id_number(raw, today)
        return raw, []
    repairs = []
    if isinstance(raw, int | float) and 10**14 <= raw < 10**15 and raw == int(raw):
        # A 15-digit number fits a spreadsheet's number exactly: read it as its digits.
        raw = str(int(raw))
        repairs.append(REPAIR_NUMBER_15)
    if isinstance(raw, int | float) or (
        isinstance(raw, str) and re.fullmatch(r"\s*\d(\.\d+)?[eE]\+?\d+\s*", raw)
    ):
        raise ValidationError(
            _(
                "The ID number was stored by Excel as a number, which loses its last digits. "
                "Format the column as text and type the numbers again."
            ),
            code="stored_as_number",
        )
    text, repair = tidy(str(raw or ""))
    if repair and repair != REPAIR_SPACES:
        repairs.append(repair)
    stripped = re.sub(r"\s+", "", text)
    if stripped != text or repair == REPAIR_SPACES:
        repairs.append(REPAIR_SPACES)
    value = stripped.translate(FULL_WIDTH)
    if value != stripped:
        repairs.append(REPAIR_FULL_WIDTH)
    if value.endswith("x"):
        value = value[:-1] + "X"
        repairs.append(REPAIR_LOWERCASE_X)
    if re.fullmatch(r"[0-9]{15}", value):
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_character(first17)
        repairs.append(REPAIR_UPGRADED)
    validate_id_number(value, today)
    return value, repairs


def validate_id_number(value: str, today=None) -> None:
    """Refuse anything but an 18-character number with a real birth date and check character.

    Only ASCII digits: other digits (Arabic-Indic, mathematical) pass ``\\d`` and ``int()`` but
    would be stored as typed, and their keyed hash would miss the same number in ASCII.
    """
    if not ID_NUMBER.fullmatch(value or ""):
        raise ValidationError(
            _(
                "“%(value)s” is not an ID number: it must have 18 characters (17 digits and a "
                "digit or X)."
            ),
            code="format",
            params={"value": value},
        )
    born = birth_date(value)
    if born is None or born.year < 1880 or born > (today or timezone.localdate()):
        raise ValidationError(
            _("The ID number %(value)s does not contain a valid birth date."),
            code="birth_date",
            params={"value": value},
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of the ID number %(value)s is wrong: the number has a typo."),
            code="check_character",
            params={"value": value},
        )


def mask_id_number(value: str) -> str:
    """``****************3X``: the last two characters only.

    Whoever reads a page also knows the county (the region digits), the birth year (the age
    shown beside the number) and the sex; the two characters leave the birth day (about 365)
    and two sequence digits (100) unknown, and the check character keeps one in eleven: about
    3,300 numbers fit. Showing three would leave about 330 (docs/security.md).
    """
    if not value:
        return ""
    return "*" * (len(value) - 2) + value[-2:]


def id_number_hash(value: str) -> str:
    """The keyed hash stored beside an encrypted ID number, for uniqueness and exact lookup."""
    return keyed_hash(value)


def compose_id_number(region: str, born: datetime.date, sequence: int) -> str:
    """A valid number for a made-up person (demo data and tests): region, birth date, sequence.

    The last digit of ``sequence`` (0–999) decides the sex: odd for men, even for women.
    """
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
