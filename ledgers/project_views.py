"""Projects and their funds: list, page, forms, payments and reversals, fund ledgers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from households.models import Household
from ledgers import funds, supervision
from ledgers.exports import fund_workbook
from ledgers.forms import (
    AcceptanceForm,
    PaymentForm,
    ProjectFilterForm,
    ProjectForm,
    ReversalForm,
)
from ledgers.models import Payment, Plan, Project
from teams.locking import save_or_conflict, status
from teams.models import Area
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.tables import DATE, MONEY, Column, list_workbook, wants_workbook, workbook_response


def project_for(request, pk):
    return get_visible_or_404(Project.objects.select_related("township"), request.user, pk=pk)


def can_create_project(user):
    """County officers, and township leaders for their own township."""
    return may(user, "fund_projects") or may(user, "manage_projects", township_id=user.area_id)


def _require_manager(user, township_id):
    if not may(user, "manage_projects", township_id=township_id):
        raise PermissionDenied


PROJECT_COLUMNS = [
    Column(_lazy("Project"), value=lambda p: p.name, width=30),
    Column(_lazy("Township"), value=lambda p: p.township.name),
    Column(_lazy("Category"), value=lambda p: p.get_category_display()),
    Column(_lazy("Starts on"), value=lambda p: p.starts_on, kind=DATE),
    Column(_lazy("Ends on"), value=lambda p: p.ends_on, kind=DATE),
    Column(_lazy("Status"), value=lambda p: p.get_status_display()),
    Column(_lazy("Budget (yuan)"), value=lambda p: p.budget_total, kind=MONEY),
    Column(_lazy("Paid (yuan)"), value=lambda p: p.paid_total, kind=MONEY),
    Column(
        _lazy("Supervision"),
        value=lambda p: "、".join(str(label) for _code, label in supervision.flags(p)),
        width=40,
    ),
]


def project_list(request):
    """The projects of the user's scope with their totals and flags, filtered."""
    projects = Project.objects.visible_to(request.user).select_related("township")
    filters = ProjectFilterForm(request.GET or None, user=request.user)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    if chosen.get("township"):
        projects = projects.filter(township=chosen["township"])
    if chosen.get("category"):
        projects = projects.filter(category=chosen["category"])
    if chosen.get("status"):
        projects = projects.filter(status=chosen["status"])
    projects = supervision.with_flags(projects)
    if chosen.get("flagged"):
        projects = supervision.flagged(projects)
    projects = projects.order_by("township", "-starts_on", "pk")
    if wants_workbook(request):
        return list_workbook(_("Projects"), (_("Projects"), PROJECT_COLUMNS, projects))
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    for project in page:
        project.flags = supervision.flags(project)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledgers/project_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_create": can_create_project(request.user),
        },
    )


def project_detail(request, pk):
    project = supervision.with_flags(
        Project.objects.visible_to(request.user)
        .select_related("township")
        .prefetch_related(
            Prefetch("beneficiaries", queryset=_households()),
            Prefetch("plans", queryset=_plans()),
        )
    )
    project = get_object_or_404(project, pk=pk)
    one = Project.objects.unscoped().filter(pk=project.pk)  # the project found in scope
    payments = project.payments.select_related("household", "recorded_by", "reversal")
    return render(
        request,
        "ledgers/project_detail.html",
        {
            "project": project,
            "flags": supervision.flags(project),
            "sources": supervision.budget_against_paid(one),
            "payments": payments,
            "attempts": project.over_budget_attempts.select_related("attempted_by"),
            "measures": project.measures.select_related("household", "category"),
            "can_manage": may(request.user, "manage_projects", township_id=project.township_id),
            "can_accept": may(request.user, "fund_projects"),
        },
    )


# A project's own households and plans, prefetched through a project found in scope.


def _households():
    return Household.objects.unscoped().select_related("village").with_head().order_by("number")


def _plans():
    plans = Plan.objects.unscoped().select_related("household")
    return plans.order_by("household__number", "-kind", "year")


def _project_form(request, project):
    budgets = dict(project.budgets.values_list("source", "amount")) if project.pk else {}
    form = ProjectForm(request.POST or None, instance=project, user=request.user, budgets=budgets)
    context = {"form": form, "project": project}
    if request.method == "POST" and form.is_valid():
        if project.pk is None:
            _require_manager(request.user, form.cleaned_data["township"].pk)
        try:
            with transaction.atomic():
                saved = save_or_conflict(form, context)
                if saved:
                    funds.set_budgets(saved, form.budgets)
        except funds.PaymentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if saved:
                messages.success(request, _("Saved."))
                return redirect(saved)
    return render(request, "ledgers/project_form.html", context, status=status(context))


def project_create(request):
    if not can_create_project(request.user):
        raise PermissionDenied
    return _project_form(request, Project())


def project_edit(request, pk):
    project = project_for(request, pk)
    _require_manager(request.user, project.township_id)
    return _project_form(request, project)


def project_accept(request, pk):
    """The county's acceptance (验收) of a project: when and what was found."""
    project = project_for(request, pk)
    if not may(request.user, "fund_projects"):
        raise PermissionDenied
    form = AcceptanceForm(request.POST or None, instance=project, user=request.user)
    context = {"form": form, "project": project}
    if request.method == "POST" and form.is_valid() and save_or_conflict(form, context):
        messages.success(request, _("The acceptance is recorded."))
        return redirect(project)
    return render(request, "ledgers/project_accept.html", context, status=status(context))


def payment_create(request, pk):
    project = project_for(request, pk)
    _require_manager(request.user, project.township_id)
    form = PaymentForm(request.POST or None, project=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            funds.record_payment(project=project, user=request.user, **form.cleaned_data)
        except funds.PaymentRefused as refusal:
            form.add_error("amount", str(refusal))
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect(project)
    return render(request, "ledgers/payment_form.html", {"form": form, "project": project})


def payment_reverse(request, pk):
    payment = get_visible_or_404(
        Payment.objects.select_related("project__township", "household"), request.user, pk=pk
    )
    project = payment.project
    _require_manager(request.user, project.township_id)
    form = ReversalForm(request.POST or None, initial={"voucher": payment.voucher})
    if request.method == "POST" and form.is_valid():
        try:
            funds.reverse_payment(payment, user=request.user, **form.cleaned_data)
        except funds.PaymentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("The reversal is recorded."))
            return redirect(project)
    return render(
        request,
        "ledgers/payment_reverse.html",
        {"form": form, "payment": payment, "project": project},
    )


def _fund_ledger(projects, payments):
    """What a fund ledger (printable or .xlsx) shows of ``projects``."""
    rows = list(supervision.with_flags(projects).order_by("-starts_on", "pk"))
    for project in rows:
        project.flags = supervision.flags(project)
    return {
        "projects": rows,
        "sources": supervision.budget_against_paid(projects),
        "payments": payments.select_related("project")
        .prefetch_related(Prefetch("household", Household.objects.unscoped().with_head()))
        .order_by("date", "pk"),
        "printed_on": timezone.localdate(),
    }


def _project_funds(request, pk):
    project = project_for(request, pk)
    one = Project.objects.unscoped().filter(pk=project.pk)  # the project found in scope
    return project, _fund_ledger(
        one, Payment.objects.visible_to(request.user).filter(project=project)
    )


def _township_funds(request, code):
    township = get_visible_or_404(
        Area.objects.filter(level=Area.Level.TOWNSHIP), request.user, code=code
    )
    projects = Project.objects.visible_to(request.user).filter(township=township)
    payments = Payment.objects.visible_to(request.user).filter(project__township=township)
    return township, _fund_ledger(projects, payments)


@require_GET
def project_funds(request, pk):
    project, context = _project_funds(request, pk)
    context["title"] = _("Fund ledger of %(name)s") % {"name": project}
    context["back"] = project.get_absolute_url()
    return render(request, "ledgers/fund_ledger.html", context)


@require_GET
def project_funds_xlsx(request, pk):
    project, context = _project_funds(request, pk)
    title = _("Fund ledger of %(name)s") % {"name": project}
    return workbook_response(fund_workbook(title, context), f"{title}.xlsx")


@require_GET
def township_funds(request, code):
    township, context = _township_funds(request, code)
    context["title"] = _("Fund ledger of %(name)s") % {"name": township.name}
    context["township"] = township
    return render(request, "ledgers/fund_ledger.html", context)


@require_GET
def township_funds_xlsx(request, code):
    township, context = _township_funds(request, code)
    title = _("Fund ledger of %(name)s") % {"name": township.name}
    return workbook_response(fund_workbook(title, context), f"{title}.xlsx")
