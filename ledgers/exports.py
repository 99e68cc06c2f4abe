"""The fund ledger (资金台账) as an .xlsx workbook: budgets against payments, then every payment."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from households.exports import append_row


def fund_workbook(title, ledger):
    """A workbook of a fund ledger (the context `project_views._fund_ledger` makes)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Budgets")
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [_("Fund source"), _("Budget (yuan)"), _("Paid (yuan)"), _("Balance (yuan)")])
    for row in ledger["sources"]:
        append_row(sheet, [str(row["label"]), row["budget"], row["paid"], row["balance"]])
    append_row(sheet, [])
    append_row(
        sheet,
        [
            _("Project"),
            _("Category"),
            _("Status"),
            _("Budget (yuan)"),
            _("Paid (yuan)"),
            _("Flags"),
        ],
    )
    for project in ledger["projects"]:
        append_row(
            sheet,
            [
                project.name,
                project.get_category_display(),
                project.get_status_display(),
                project.budget_total,
                project.paid_total,
                "；".join(str(label) for _code, label in project.flags),
            ],
        )
    payments = workbook.create_sheet(_("Payments"))
    append_row(
        payments,
        [
            _("Date"),
            _("Project"),
            _("Fund source"),
            _("Payee"),
            _("Household reached"),
            _("Voucher number"),
            _("Purpose"),
            _("Amount (yuan)"),
        ],
    )
    for payment in ledger["payments"]:
        append_row(
            payments,
            [
                payment.date,
                payment.project.name,
                payment.get_source_display(),
                payment.payee,
                payment.household.number if payment.household else "",
                payment.voucher,
                payment.purpose,
                payment.amount,
            ],
        )
    return workbook
