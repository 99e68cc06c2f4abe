"""The dashboard as an .xlsx: one sheet of its rows (the areas one level down, as on the
page), one of attributes and causes."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessments.dashboard import HOUSEHOLD_FIGURES
from teams.models import Area
from teams.tables import COUNT, Column, write_table


def _columns(level):
    """The dashboard's columns; a row is (label, AreaRow)."""
    return [
        Column(level.label, value=lambda row: row[0], width=16),
        *(
            Column(label, value=lambda row, name=name: row[1].households[name], kind=COUNT)
            for name, label in HOUSEHOLD_FIGURES.items()
        ),
        Column(_("Persons still in poverty"), value=lambda row: row[1].persons, kind=COUNT),
        Column(_("Exit target"), value=lambda row: row[1].target, kind=COUNT),
        Column(_("六有 items missing"), value=lambda row: row[1].six_haves_missing, kind=COUNT),
        Column(_("Long-absent stationed cadres"), value=lambda row: row[1].long_absent, kind=COUNT),
        Column(
            _("Rectifications past their deadline"), value=lambda row: row[1].overdue, kind=COUNT
        ),
    ]


def dashboard_workbook(dashboard):
    book = Workbook()
    sheet = book.active
    level = dashboard.child_level or Area.Level.TOWNSHIP
    sheet.title = str(level.label)
    title = _("%(area)s dashboard %(year)s, as of %(day)s") % {
        "area": dashboard.area.name if dashboard.area else _("All areas"),
        "year": dashboard.year,
        "day": dashboard.day,
    }
    rows = [(row.area.name, row) for row in dashboard.rows]
    rows.append((_("Total"), dashboard.totals))
    write_table(sheet, _columns(level), rows, title=title)
    for heading, breakdown in [
        (_("Attributes"), dashboard.by_attribute),
        (_("Causes"), dashboard.by_cause),
    ]:
        columns = [
            Column(heading, value=lambda row: row[0][1] or _("Not recorded"), width=18),
            Column(_("Households still in poverty"), value=lambda row: row[1], kind=COUNT),
            Column(_("Persons still in poverty"), value=lambda row: row[2], kind=COUNT),
        ]
        write_table(book.create_sheet(heading), columns, breakdown)
    return book
