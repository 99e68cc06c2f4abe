"""The fund ledger (资金台账) as an .xlsx workbook: budgets against payments, then every payment."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from teams.tables import DATE, MONEY, Column, write_table


def fund_workbook(title, ledger):
    """A workbook of a fund ledger (the context `project_views._fund_ledger` makes)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Budgets")
    sources = [
        Column(_("Fund source"), value=lambda row: str(row["label"]), width=18),
        Column(_("Budget (yuan)"), value=lambda row: row["budget"], kind=MONEY),
        Column(_("Paid (yuan)"), value=lambda row: row["paid"], kind=MONEY),
        Column(_("Balance (yuan)"), value=lambda row: row["balance"], kind=MONEY),
    ]
    write_table(sheet, sources, ledger["sources"], title=title)
    projects = [
        Column(_("Project"), value=lambda project: project.name, width=28),
        Column(_("Category"), value=lambda project: project.get_category_display()),
        Column(_("Status"), value=lambda project: project.get_status_display()),
        Column(_("Budget (yuan)"), value=lambda project: project.budget_total, kind=MONEY),
        Column(_("Paid (yuan)"), value=lambda project: project.paid_total, kind=MONEY),
        Column(
            _("Flags"),
            value=lambda project: "；".join(str(label) for _code, label in project.flags),
            width=30,
        ),
    ]
    write_table(workbook.create_sheet(_("Projects")), projects, ledger["projects"], title=title)
    payments = [
        Column(_("Date"), value=lambda payment: payment.date, kind=DATE),
        Column(_("Project"), value=lambda payment: payment.project.name, width=28),
        Column(_("Fund source"), value=lambda payment: payment.get_source_display()),
        Column(_("Payee"), value=lambda payment: payment.payee, width=16),
        Column(
            _("Household reached"),
            value=lambda payment: payment.household.number if payment.household else "",
            width=20,
        ),
        Column(
            _("Head of household"),
            value=lambda payment: (
                payment.household.head.name if payment.household and payment.household.head else ""
            ),
        ),
        Column(_("Voucher number"), value=lambda payment: payment.voucher),
        Column(_("Purpose"), value=lambda payment: payment.purpose, width=24),
        Column(_("Amount (yuan)"), value=lambda payment: payment.amount, kind=MONEY),
    ]
    write_table(workbook.create_sheet(_("Payments")), payments, ledger["payments"], title=title)
    return workbook
