"""Supervision follows the money (监管跟着资金走): the flags of projects and the totals of an area.

Everything is computed with aggregate subqueries, so a list of projects with their flags is one
query whatever its length. The flags:

- ``fiscal_outside``: fiscal poverty funds paid on a project that does not raise incomes
  (infrastructure, other: docs/domain.md §2.5 puts fiscal funds into industry support, micro-credit,
  asset income and employment);
- ``non_beneficiary``: payments that reached a household not among the project's beneficiaries;
- ``no_plan``: a project serving no household plan;
- ``over_budget``: refused attempts to pay over a source's budget;
- ``no_voucher``: payments recorded without a voucher number.

Payments that were reversed, and the reversals, do not raise the payment flags: the correction
is made. Amounts are net (reversals count negative).
"""

import functools
import operator
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ledgers.models import FundSource, OverBudgetAttempt, Payment, Project, ProjectBudget
from teams.models import Area

FLAGS = {
    "fiscal_outside": _("Fiscal funds spent outside income-raising purposes"),
    "non_beneficiary": _("Payments to households that are not beneficiaries"),
    "no_plan": _("Serves no household plan"),
    "over_budget": _("Attempted over-budget payments"),
    "no_voucher": _("Payments without a voucher"),
    "budget_raised": _("Budget raised after it was set"),
}
YUAN = DecimalField(max_digits=14, decimal_places=2)


def _per_project(rows, aggregate, output_field):
    """The ``aggregate`` of ``rows`` belonging to the outer project, 0 when there are none."""
    value = (
        rows.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(value=aggregate)
        .values("value")
    )
    zero = Value(Decimal("0") if output_field is YUAN else 0, output_field=output_field)
    return Coalesce(Subquery(value, output_field=output_field), zero)


def _yuan(rows):
    return _per_project(rows, Sum("amount"), YUAN)


def _count(rows):
    return _per_project(rows, Count("pk"), IntegerField())


def with_flags(projects):
    """``projects`` annotated with their budget and net paid totals and each flag's evidence:
    ``fiscal_outside`` (yuan), ``non_beneficiary``, ``over_budget`` and ``no_voucher`` (counts),
    ``has_plan``."""
    standing = Payment.objects.filter(reverses__isnull=True, reversal__isnull=True)
    beneficiary = Project.beneficiaries.through.objects.filter(
        project_id=OuterRef(OuterRef("pk")), household_id=OuterRef("household_id")
    )
    return projects.annotate(
        budget_total=_yuan(ProjectBudget.objects.all()),
        paid_total=_yuan(Payment.objects.all()),
        fiscal_outside=Case(
            When(category__in=Project.INCOME_RAISING, then=Value(Decimal("0"))),
            default=_yuan(Payment.objects.filter(source=FundSource.FISCAL)),
            output_field=YUAN,
        ),
        non_beneficiary=_count(
            standing.filter(household__isnull=False).exclude(Exists(beneficiary))
        ),
        has_plan=Exists(Project.plans.through.objects.filter(project_id=OuterRef("pk"))),
        over_budget=_count(OverBudgetAttempt.objects.all()),
        no_voucher=_count(standing.filter(voucher="")),
        budget_raised=Exists(
            ProjectBudget.objects.filter(project_id=OuterRef("pk")).filter(
                amount__gt=Subquery(
                    # the first amount it was set to (a source left at 0 is not yet set)
                    ProjectBudget.history.filter(id=OuterRef("pk"), amount__gt=0)
                    .order_by("history_date", "history_id")
                    .values("amount")[:1]
                )
            )
        ),
    )


#: The condition of each flag on projects annotated by `with_flags`.
FLAG_CONDITIONS = {
    "fiscal_outside": Q(fiscal_outside__gt=0),
    "non_beneficiary": Q(non_beneficiary__gt=0),
    "no_plan": Q(has_plan=False),
    "over_budget": Q(over_budget__gt=0),
    "no_voucher": Q(no_voucher__gt=0),
    "budget_raised": Q(budget_raised=True),
}
ANY_FLAG = functools.reduce(operator.or_, FLAG_CONDITIONS.values())


def flags(project):
    """(code, label) of the flags of a project annotated by `with_flags`."""
    raised = {
        "fiscal_outside": project.fiscal_outside > 0,
        "non_beneficiary": project.non_beneficiary > 0,
        "no_plan": not project.has_plan,
        "over_budget": project.over_budget > 0,
        "no_voucher": project.no_voucher > 0,
        "budget_raised": project.budget_raised,
    }
    return [(code, FLAGS[code]) for code, on in raised.items() if on]


def flagged(projects):
    """The projects (annotated by `with_flags`) that raise at least one flag."""
    return projects.filter(ANY_FLAG)


def budget_against_paid(projects):
    """[{source, label, budget, paid, balance}] of ``projects`` per fund source (two queries)."""
    budgets = dict(
        ProjectBudget.objects.filter(project__in=projects.values("pk"))
        .order_by()
        .values_list("source")
        .annotate(total=Sum("amount"))
    )
    paid = dict(
        Payment.objects.filter(project__in=projects.values("pk"))
        .order_by()
        .values_list("source")
        .annotate(total=Sum("amount"))
    )
    rows = []
    for source in FundSource:
        budget = budgets.get(source.value) or Decimal("0")
        spent = paid.get(source.value) or Decimal("0")
        rows.append(
            {
                "source": source.value,
                "label": source.label,
                "budget": budget,
                "paid": spent,
                "balance": budget - spent,
            }
        )
    return rows


def fund_summary(projects):
    """The supervision totals of ``projects`` (e.g. ``Project.objects.visible_to(user)``):

    ``{"by_source": budget_against_paid rows,
       "flags": [{"code", "label", "projects": number of projects raising it}],
       "townships": [{"township": Area, "projects", "budget", "paid", "flagged"}],
       "projects": number, "flagged": number of projects raising any flag}``.
    Four queries, summed by the database, whatever the number of projects.
    """
    rows = list(
        with_flags(projects)
        .values("township")
        .annotate(
            projects=Count("pk"),
            budget=Coalesce(Sum("budget_total"), Decimal("0"), output_field=YUAN),
            paid=Coalesce(Sum("paid_total"), Decimal("0"), output_field=YUAN),
            flagged=Count("pk", filter=ANY_FLAG),
            **{code: Count("pk", filter=q) for code, q in FLAG_CONDITIONS.items()},
        )
        .order_by("township")
    )
    areas = Area.objects.in_bulk([row["township"] for row in rows])
    return {
        "by_source": budget_against_paid(projects),
        "flags": [
            {"code": code, "label": label, "projects": sum(row[code] for row in rows)}
            for code, label in FLAGS.items()
        ],
        "townships": [
            {"township": areas[row["township"]]}
            | {name: row[name] for name in ("projects", "budget", "paid", "flagged")}
            for row in rows
        ],
        "projects": sum(row["projects"] for row in rows),
        "flagged": sum(row["flagged"] for row in rows),
    }
