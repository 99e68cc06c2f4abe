"""Excel exports of the registry: the village register (村有册) and the roster (花名册).

Every value goes through `teams.tables` (no text can run as a formula in Excel)."""

from openpyxl import Workbook

from households.idnumber import mask_id_number
from households.roster.columns import COLUMNS, HOUSEHOLD_REFERENCES, PERSON_REFERENCES
from households.roster.columns import SEALED_REFERENCES as SEALED
from households.sensitive import mask_all, mask_phone
from teams.tables import Column, write_table

#: The roster columns of docs/roster.md, in the order the export writes them.
ROSTER_COLUMNS = [names[0] for names in COLUMNS.values()]
#: Their widths in the workbook.
ROSTER_WIDTHS = [20, 12, 12, 14, 10, 22, 10, 6, 8, 12, 10, 12, 12, 12, 14, 14, 16, 20, 14, 10, 12]


def _name(item):
    return item.name if item else ""


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
    """The registry in the roster format, one row per current member: the household number
    and the head's name stay frozen at the left while the officer scrolls."""
    workbook = Workbook()
    rows = (
        person_row(
            household,
            person,
            full=full,
            cadre_name=household.contact_cadre.name if household.contact_cadre else "",
        )
        for household in households
        for person in household.current_persons
    )
    columns = [
        Column(label, value=lambda row, i=i: row[i], width=width)
        for i, (label, width) in enumerate(zip(ROSTER_COLUMNS, ROSTER_WIDTHS, strict=True))
    ]
    sheet = workbook.active
    sheet.title = title[:31]
    write_table(sheet, columns, rows, title=title, frozen=1)
    return workbook


def register_workbook(village, households):
    """The village register (村有册): the roster of one village, masked."""
    title = f"{village.parent.name}{village.name}建档立卡贫困户花名册"
    return roster_workbook(title, households, full=False)
