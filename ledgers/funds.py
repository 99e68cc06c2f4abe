"""Recording project payments: never over a source's budget, corrected only by reversals.

Two people paying against the same budget at the same moment must not both succeed when the
two payments together exceed it. Each payment takes a row lock on the project's budget row of
its source (``SELECT … FOR UPDATE``) before it sums what was paid, so the second waits until the
first has committed and then sees its payment in the sum.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from ledgers.models import FundSource, OverBudgetAttempt, Payment, ProjectBudget


class PaymentRefused(Exception):
    """The payment was not recorded; ``str()`` says why, for the person who tried."""


def paid(project, source) -> Decimal:
    """Net amount paid from ``source`` (reversals count negative)."""
    total = Payment.objects.filter(project=project, source=source).aggregate(total=Sum("amount"))
    return total["total"] or Decimal("0")


def set_budgets(project, amounts):
    """Set the project's budget of each source ({source: yuan}); refuse one below its payments."""
    with transaction.atomic():
        for source, amount in amounts.items():
            # Created with its amount: the first version is the budget as set, and a later
            # raise shows in supervision (`budget_raised`).
            budget, created = ProjectBudget.objects.select_for_update().get_or_create(
                project=project, source=source, defaults={"amount": amount}
            )
            if created or budget.amount == amount:
                continue
            spent = paid(project, source)
            if amount < spent:
                raise PaymentRefused(
                    _("%(source)s: %(paid)s yuan are paid already; the budget cannot be less.")
                    % {"source": FundSource(source).label, "paid": spent}
                )
            budget.amount = amount
            budget.save()


def record_payment(*, project, source, amount, user, **fields):
    """Record a payment of ``amount`` yuan from ``source`` unless it takes the source over budget.

    A refused attempt is kept (OverBudgetAttempt) for supervision, outside the refused
    transaction so that the refusal does not roll it back.
    """
    try:
        with transaction.atomic():
            budget = (
                ProjectBudget.objects.select_for_update()
                .filter(project=project, source=source)
                .first()
            )
            limit = budget.amount if budget else Decimal("0")
            spent = paid(project, source)
            if spent + amount > limit:
                raise _OverBudget(limit, spent)
            return Payment.objects.create(
                project=project, source=source, amount=amount, recorded_by=user, **fields
            )
    except _OverBudget as over:
        OverBudgetAttempt.objects.create(
            project=project,
            source=source,
            amount=amount,
            budget=over.limit,
            paid=over.spent,
            attempted_by=user,
        )
        raise PaymentRefused(
            _(
                "Refused: %(source)s has a budget of %(budget)s yuan and %(paid)s yuan are paid; "
                "%(amount)s yuan more would exceed it."
            )
            % {
                "source": FundSource(source).label,
                "budget": over.limit,
                "paid": over.spent,
                "amount": amount,
            }
        ) from over


class _OverBudget(Exception):
    def __init__(self, limit, spent):
        super().__init__("over budget")
        self.limit, self.spent = limit, spent


def reverse_payment(payment, *, user, date, purpose, voucher):
    """Record the reversing entry of ``payment`` (the correction of a wrong payment)."""
    with transaction.atomic():
        # Lock the payment so that two people reversing it at once make one reversal.
        original = Payment.objects.select_for_update().get(pk=payment.pk)
        if original.is_reversal:
            raise PaymentRefused(_("A reversal cannot be reversed; record a new payment."))
        if Payment.objects.filter(reverses=original).exists():
            raise PaymentRefused(_("This payment is reversed already."))
        return Payment.objects.create(
            project=original.project,
            source=original.source,
            amount=-original.amount,
            payee=original.payee,
            household=original.household,
            voucher=voucher,
            reverses=original,
            date=date,
            purpose=purpose,
            recorded_by=user,
        )
