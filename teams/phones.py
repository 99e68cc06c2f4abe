"""Phone numbers as people write them: a mobile (13812341234), a landline with its area code
(0763-1234567, (0763) 1234567), with +86 or spaces. One rule for every phone the system keeps:
the household's, a cadre's, an office's, a notice's complaint line, and the roster import's."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CHARACTERS = re.compile(r"[\d\-+ ()]{5,20}")


def is_phone(text: str) -> bool:
    return bool(_CHARACTERS.fullmatch(text)) and sum(c.isdigit() for c in text) >= 5


def validate_phone(value: str) -> None:
    if value and not is_phone(value):
        raise ValidationError(_("This is not a phone number."), code="phone")
