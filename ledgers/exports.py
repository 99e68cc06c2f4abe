"""The fund ledger (资金台账) as an .xlsx workbook: budgets against payments, then every payment."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from households.exports import safe_cell


def fund_workbook(title, ledger):
    """A workbook of a fund ledger (the context `project_views._fund_ledger` makes)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Budgets")
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Fund source"), _("Budget (yuan)"), _("Paid (yuan)"), _("Balance (yuan)")])
    for row in ledger["sources"]:
        sheet.append([str(row["label"]), row["budget"], row["paid"], row["balance"]])
    sheet.append([])
    sheet.append(
        [
            _("Project"),
            _("Category"),
            _("Status"),
            _("Budget (yuan)"),
            _("Paid (yuan)"),
            _("Flags"),
        ]
    )
    for project in ledger["projects"]:
        sheet.append(
            [
                safe_cell(project.name),
                project.get_category_display(),
                project.get_status_display(),
                project.budget_total,
                project.paid_total,
                "；".join(str(label) for _code, label in project.flags),
            ]
        )
    payments = workbook.create_sheet(_("Payments"))
    payments.append(
        [
            _("Date"),
            _("Project"),
            _("Fund source"),
            _("Payee"),
            _("Household reached"),
            _("Voucher number"),
            _("Purpose"),
            _("Amount (yuan)"),
        ]
    )
    for payment in ledger["payments"]:
        payments.append(
            [
                payment.date,
                safe_cell(payment.project.name),
                payment.get_source_display(),
                safe_cell(payment.payee),
                payment.household.number if payment.household else "",
                safe_cell(payment.voucher),
                safe_cell(payment.purpose),
                payment.amount,
            ]
        )
    return workbook
