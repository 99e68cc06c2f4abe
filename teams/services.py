"""Workflows of the teams app: loading the division-code tree."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from teams.models import Area

#: Significant length of a code → length of its parent's code.
PARENT_LENGTH = {2: None, 4: 2, 6: 4, 9: 6, 12: 9}


class AreaFileError(Exception):
    """The file has bad rows; ``errors`` lists (line number, message) for every one."""

    def __init__(self, errors):
        super().__init__(_("%(count)d invalid rows") % {"count": len(errors)})
        self.errors = errors


@dataclass
class AreaLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list = field(default_factory=list)


def significant_code(raw: str) -> str | None:
    """The significant digits of a division code, or None when it is not one.

    Published codes have 12 digits, trailing zeros marking higher levels (449901000000 is a
    county); the short forms of 2, 4, 6, 9 and 12 digits are accepted as they are.
    """
    code = raw.strip()
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == 12:
        for length in (2, 4, 6, 9):
            if code[length:].strip("0") == "":
                return code[:length]
        return code
    return code if len(code) in PARENT_LENGTH else None


def read_area_csv(data: bytes) -> list[tuple[int, str, str]]:
    """Rows (line number, code, name) of a ``code,name`` CSV in UTF-8 or GB18030 (Excel)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[:2] != ["code", "name"]:
        raise AreaFileError([(1, _("The first line must be the header “code,name”."))])
    return [
        (reader.line_num, (row + ["", ""])[0], (row + ["", ""])[1])
        for row in reader
        if any(cell.strip() for cell in row)
    ]


@transaction.atomic
def areas_load(*, rows: list[tuple[int, str, str]]) -> AreaLoadResult:
    """Add new areas and rename known ones; write nothing when any row is bad.

    Every bad row is reported with its line number: a code that is not 2/4/6/9/12 digits, an
    empty name, a code twice in the file, or a code whose parent is neither known nor in the file.
    """
    errors = []
    parsed = {}
    for line, raw_code, raw_name in rows:
        code, name = significant_code(raw_code), raw_name.strip()
        if code is None:
            errors.append(
                (
                    line,
                    _("“%(code)s” is not a division code of 2, 4, 6, 9 or 12 digits.")
                    % {"code": raw_code},
                )
            )
            continue
        if not name:
            errors.append((line, _("Area %(code)s has no name.") % {"code": raw_code}))
            continue
        if code in parsed:
            errors.append(
                (
                    line,
                    _("Code %(code)s appears again; first on line %(first)d.")
                    % {"code": raw_code, "first": parsed[code][0]},
                )
            )
            continue
        parsed[code] = (line, name)

    known = {area.code: area for area in Area.objects.filter(code__in=parsed)}
    parent_codes = {code[: PARENT_LENGTH[len(code)]] for code in parsed if len(code) > 2}
    existing_parents = set(
        Area.objects.filter(code__in=parent_codes - parsed.keys()).values_list("code", flat=True)
    )
    for code, (line, _name) in parsed.items():
        parent = PARENT_LENGTH[len(code)] and code[: PARENT_LENGTH[len(code)]]
        if parent and parent not in parsed and parent not in existing_parents:
            errors.append(
                (
                    line,
                    _("The parent area %(parent)s of %(code)s is missing.")
                    % {"parent": parent.ljust(12, "0"), "code": code.ljust(12, "0")},
                )
            )
    if errors:
        raise AreaFileError(sorted(errors))

    result = AreaLoadResult(codes=sorted(parsed))
    new, renamed = [], []
    for code in sorted(parsed, key=lambda c: (len(c), c)):
        name = parsed[code][1]
        if code not in known:
            parent = PARENT_LENGTH[len(code)]
            new.append(
                Area(
                    code=code,
                    name=name,
                    level=Area.CODE_LENGTHS[len(code)],
                    parent_id=code[:parent] if parent else None,
                )
            )
        elif known[code].name != name:
            known[code].name = name
            renamed.append(known[code])
        else:
            result.unchanged += 1
    Area.objects.bulk_create(new)
    Area.objects.bulk_update(renamed, ["name"])
    result.created, result.updated = len(new), len(renamed)
    return result
