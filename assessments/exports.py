"""The dashboard as an .xlsx: one sheet of its rows (the areas one level down, as on the
page), one of attributes and causes."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from assessments.dashboard import HOUSEHOLD_FIGURES
from households.exports import append_row
from teams.models import Area


def _row(label, row):
    return [
        label,
        *(row.households[name] for name in HOUSEHOLD_FIGURES),
        row.persons,
        row.target,
        row.six_haves_missing,
        row.long_absent,
        row.overdue,
    ]


def dashboard_workbook(dashboard):
    book = Workbook()
    sheet = book.active
    level = dashboard.child_level or Area.Level.TOWNSHIP
    sheet.title = str(level.label)
    append_row(
        sheet,
        [
            _("%(area)s dashboard %(year)s, as of %(day)s")
            % {
                "area": dashboard.area.name if dashboard.area else _("All areas"),
                "year": dashboard.year,
                "day": dashboard.day,
            }
        ],
    )
    sheet["A1"].font = Font(size=14, bold=True)
    append_row(
        sheet,
        [
            str(level.label),
            *(str(label) for label in HOUSEHOLD_FIGURES.values()),
            _("Persons still in poverty"),
            _("Exit target"),
            _("六有 items missing"),
            _("Long-absent stationed cadres"),
            _("Rectifications past their deadline"),
        ],
    )
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in dashboard.rows:
        append_row(sheet, _row(row.area.name, row))
    append_row(sheet, _row(_("Total"), dashboard.totals))
    sheet.freeze_panes = "B3"
    for title, rows in [
        (_("Attributes"), dashboard.by_attribute),
        (_("Causes"), dashboard.by_cause),
    ]:
        sheet = book.create_sheet(title)
        append_row(sheet, [title, _("Households still in poverty"), _("Persons still in poverty")])
        for (_pk, name), households, persons in rows:
            append_row(sheet, [name or _("Not recorded"), households, persons])
    return book
