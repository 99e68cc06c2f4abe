"""Excel exports of the registry: the village register (村有册) and the roster (花名册).

Every row goes through `append_row`, so no exported value can run as a formula in Excel, and
every text comes back as it was written (no apostrophe added to it).
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from households.idnumber import mask_id_number
from households.roster.columns import COLUMNS, HOUSEHOLD_REFERENCES, PERSON_REFERENCES
from households.roster.columns import SEALED_REFERENCES as SEALED
from households.sensitive import mask_all, mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The roster columns of docs/roster.md, in the order the export writes them.
ROSTER_COLUMNS = [names[0] for names in COLUMNS.values()]


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append ``values`` to ``sheet`` (a write-only one too). Text that Excel would take for a
    formula (a leading = + - @ tab or CR) is written as quote-prefixed text: Excel shows it,
    edits it and saves it as that text, and it reads back unchanged."""
    sheet.append([_as_text(sheet, value) for value in values])


def _as_text(sheet, value):
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type, cell.quotePrefix = "s", True
    return cell


def _name(item):
    return item.name if item else ""


def _sheet(workbook, title, columns, widths):
    sheet = workbook.active
    sheet.title = title[:31]
    append_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def person_row(household, person, *, full, cadre_name):
    """One roster row in the order of the columns (`roster.columns.COLUMNS`); household fields
    only on the head's row (docs/roster.md)."""
    village = household.village
    values = {
        "number": household.number,
        "township": village.parent.name,
        "village": village.name,
        "village_code": village.code,
        "name": person.name,
        "id_number": person.id_number if full else mask_id_number(person.id_number),
        "relation": _name(person.relation),
        "sex": person.get_sex_display(),
        **{key: _name(getattr(person, key)) for key in PERSON_REFERENCES.keys() - SEALED},
        **{key: getattr(person, key) if full else mask_all(getattr(person, key)) for key in SEALED},
    }
    if person.is_head:
        values |= {key: _name(getattr(household, key)) for key in HOUSEHOLD_REFERENCES}
        values |= {
            "other_causes": "、".join(c.name for c in household.other_causes.all()),
            "phone": household.phone if full else mask_phone(household.phone),
            "contact_cadre": cadre_name,
            "registered_on": household.registered_on.isoformat() if household.registered_on else "",
        }
    return [values.get(key, "") for key in COLUMNS]


def roster_workbook(title, households, *, full):
    """The registry in the roster format, one row per current member."""
    workbook = Workbook()
    widths = [20, 12, 12, 14, 10, 22, 10, 6, 8, 12, 10, 12, 12, 12, 14, 14, 16, 20, 14, 10, 12]
    sheet = _sheet(workbook, title, ROSTER_COLUMNS, widths)
    for household in households:
        cadre = household.contact_cadre.name if household.contact_cadre else ""
        for person in household.current_persons:
            append_row(sheet, person_row(household, person, full=full, cadre_name=cadre))
    return workbook


def register_workbook(village, households):
    """The village register (村有册): the roster of one village, masked."""
    title = f"{village.parent.name}{village.name}建档立卡贫困户花名册"
    return roster_workbook(title, households, full=False)


def workbook_response(workbook, filename):
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    workbook.save(response)
    return response
