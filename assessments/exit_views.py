"""Exit reviews (脱贫验收): the proposals of a year and each review's steps."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from assessments import services
from assessments.forms import DashboardForm, ExitProposeForm, ExitStepForm, ReturnToPovertyForm
from assessments.models import ExitObjection, ExitReview, ExitStep
from households.forms import ObjectionForm, ObjectionResolveForm
from households.models import Household
from ledgers.selectors import standards
from teams.permissions import may, refusal
from teams.scope import get_visible_or_404
from teams.tables import MONEY, Column, list_workbook, wants_workbook


def _village(household):
    return f"{household.village.parent.name} {household.village.name}"


CANDIDATE_COLUMNS = [
    Column(_lazy("Household number"), value=lambda h: h.number, width=20),
    Column(_lazy("Head of household"), value=lambda h: h.head.name if h.head else "—"),
    Column(_lazy("Village"), value=_village, width=20),
    Column(_lazy("Contact cadre"), value=lambda h: str(h.contact_cadre or "")),
    Column(_lazy("Per-capita income"), value=lambda h: h.per_capita, kind=MONEY),
]
REVIEW_COLUMNS = [
    Column(_lazy("Household number"), value=lambda r: r.household.number, width=20),
    Column(_lazy("Village"), value=lambda r: _village(r.household), width=20),
    Column(_lazy("Per-capita income"), value=lambda r: r.per_capita, kind=MONEY),
    Column(
        _lazy("Steps"),
        value=lambda r: "、".join(
            f"{step.get_step_display()}（{step.get_outcome_display()}）" for step in r.steps.all()
        ),
        width=50,
    ),
]


def exit_review_list(request):
    """The households that meet the exit rule of the year, and the reviews under way."""
    form = DashboardForm(request.GET or None)
    year = form.chosen_year()
    user = request.user
    candidates = (
        services.exit_candidates(Household.objects.visible_to(user), year)
        .select_related("village__parent", "contact_cadre")
        .with_head()
        .order_by("number")
    )
    reviews = (
        ExitReview.objects.visible_to(user)
        .filter(year=year)
        .select_related("household__village__parent")
        .prefetch_related("steps")
        .order_by("household__number")
    )
    if wants_workbook(request):
        return list_workbook(
            _("Exit reviews %(year)s") % {"year": year},
            (_("Reviews under way and done"), REVIEW_COLUMNS, reviews),
            (_("Households meeting the exit rule"), CANDIDATE_COLUMNS, candidates),
        )
    return render(
        request,
        "assessments/exit_review_list.html",
        {
            "form": form,
            "year": year,
            "candidates": Paginator(candidates, 50).get_page(request.GET.get("page")),
            "reviews": reviews,
            "query": f"year={year}",
        },
    )


@require_POST
def exit_review_propose(request, pk):
    household = get_visible_or_404(Household.objects.all(), request.user, pk=pk)
    if not may(request.user, "keep_registry"):
        raise PermissionDenied
    form = ExitProposeForm(request.POST)
    year = form.chosen_year()
    try:
        review = services.exit_review_propose(
            household=household, year=year, by=request.user, date=form.chosen_date()
        )
    except services.AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('assessments:exit_reviews')}?year={year}")
    messages.success(request, _("Exit review opened."))
    return redirect(review)


def exit_review_detail(request, pk):
    review = get_visible_or_404(
        ExitReview.objects.select_related("household__village__parent"), request.user, pk=pk
    )
    household = review.household
    can_record = may(request.user, "record_village_steps", household=household)
    if request.method == "POST" and not can_record:
        raise PermissionDenied
    form = ExitStepForm(request.POST or None) if can_record else None
    if form is not None and form.is_valid():
        action = ExitStep.ACTIONS[form.cleaned_data["step"]]
        try:
            if message := refusal(request.user, action, household=household):
                raise services.AssessmentError(message)
            services.exit_record_step(review=review, by=request.user, **form.cleaned_data)
        except services.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Step recorded."))
            return redirect(review)
    return render(
        request,
        "assessments/exit_review_detail.html",
        {
            "review": review,
            "steps": review.steps.select_related("recorded_by").prefetch_related("objections"),
            "form": form,
            "objection_form": ObjectionForm() if can_record else None,
            "resolve_form": (
                ObjectionResolveForm()
                if may(request.user, "record_township_review", household=household)
                else None
            ),
        },
    )


def _objection_service(request, review, form, action, success, *, needs):
    if not may(request.user, needs, household=review.household):
        raise PermissionDenied
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except services.AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(review)


@require_POST
def exit_objection_add(request, pk):
    step = get_visible_or_404(ExitStep.objects.select_related("review"), request.user, pk=pk)
    return _objection_service(
        request,
        step.review,
        ObjectionForm(request.POST),
        lambda data: services.exit_objection_record(step=step, **data),
        _("The objection was recorded."),
        needs="record_village_steps",
    )


@require_POST
def exit_objection_resolve(request, pk):
    objection = get_visible_or_404(
        ExitObjection.objects.select_related("step__review"), request.user, pk=pk
    )
    return _objection_service(
        request,
        objection.step.review,
        ObjectionResolveForm(request.POST),
        lambda data: services.exit_objection_resolve(objection=objection, by=request.user, **data),
        _("The objection was resolved."),
        needs="record_township_review",
    )


def return_to_poverty(request, pk):
    """返贫 of a household out of poverty, with the ledger of each year beside the form."""
    household = get_visible_or_404(
        Household.objects.select_related("village", "contact_cadre"), request.user, pk=pk
    )
    if not may(request.user, "keep_registry"):
        raise PermissionDenied
    form = ReturnToPovertyForm(request.POST or None, household=household, user=request.user)
    if form.is_valid():
        try:
            services.household_return_to_poverty(
                household=household, by=request.user, **form.cleaned_data
            )
        except services.AssessmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The household is back in poverty and helped again."))
            return redirect(household)
    by_year = standards()
    lines = [
        (
            _("Income %(year)s") % {"year": income.year},
            _("%(income)s yuan a person (exit line %(line)s)")
            % {
                "income": income.per_capita,
                "line": getattr(by_year.get(income.year), "exit_line", "—"),
            },
        )
        for income in household.incomes.order_by("-year")[:3]
    ] + [
        (
            _("Guarantees %(year)s") % {"year": guarantee.year},
            _("all met") if guarantee.all_met else _("not all met"),
        )
        for guarantee in household.guarantees.order_by("-year")[:3]
    ]
    return render(
        request,
        "assessments/form.html",
        {
            "title": _("Return to poverty: %(household)s") % {"household": household.number},
            "form": form,
            "context_lines": [
                (_("Contact cadre"), household.contact_cadre or "—"),
                (_("Out of poverty since"), household.exited_on or "—"),
                *lines,
            ],
            "back": household,
        },
    )
