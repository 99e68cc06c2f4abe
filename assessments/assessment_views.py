"""The yearly assessment of teams and cadres (述职考核): metrics from the ledgers beside the
county's score and grade, the outcomes it leads to, and the yearly report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from assessments import services
from assessments.forms import (
    CadreAssessmentForm,
    DashboardForm,
    OutcomeCloseForm,
    OutcomeForm,
    TeamAssessmentForm,
)
from assessments.models import CadreAssessment, Outcome, TeamAssessment
from config.replica import replica_reads
from households.exports import append_row, workbook_response
from teams.locking import save_or_conflict, status
from teams.models import Team
from teams.permissions import may
from teams.scope import get_visible_or_404

#: Team metrics shown and exported, in order: key → heading.
TEAM_COLUMNS = {
    "in_poverty": gettext_lazy("Households still in poverty"),
    "coverage": gettext_lazy("Coverage"),
    "visits": gettext_lazy("Visits made"),
    "visited": gettext_lazy("Households visited"),
    "planned": gettext_lazy("Households with a yearly plan"),
    "plan_completion": gettext_lazy("Measures done"),
    "exited": gettext_lazy("Exited"),
    "exit_target": gettext_lazy("Exit target"),
    "paid": gettext_lazy("Project funds paid (yuan)"),
    "budgeted": gettext_lazy("Project budgets (yuan)"),
    "funds_against_budget": gettext_lazy("Funds paid against project budgets"),
}
#: Cadre metrics, likewise.
CADRE_COLUMNS = {
    "households": gettext_lazy("Households linked"),
    "visits": gettext_lazy("Visits made"),
    "exited": gettext_lazy("Exited"),
    "measures": gettext_lazy("Measures"),
    "plan_completion": gettext_lazy("Measures done"),
}


def _year(request):
    return DashboardForm(request.GET or request.POST or None)


def _assessments(user, year):
    return (
        TeamAssessment.objects.visible_to(user)
        .filter(year=year)
        .select_related("team__township")
        .order_by("team__township_id")
    )


def _cadre_assessments(user, year):
    return (
        CadreAssessment.objects.visible_to(user)
        .filter(year=year)
        .select_related("member__team__township")
        .order_by("member__team__township_id", "member__name")
    )


def _outcomes(user, year):
    return (
        Outcome.objects.visible_to(user)
        .filter(year=year)
        .select_related("team__township", "member")
    )


def _with_metrics(assessments, columns):
    """(assessment, [its metric of each column]) of each assessment."""
    return [
        (assessment, [assessment.metrics.get(key) for key in columns]) for assessment in assessments
    ]


def assessment_list(request):
    form = _year(request)
    year = form.chosen_year()
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "form": form,
            "year": year,
            "rows": _with_metrics(_assessments(request.user, year), TEAM_COLUMNS),
            "outcomes": _outcomes(request.user, year),
            "columns": TEAM_COLUMNS,
        },
    )


@replica_reads
def assessment_report(request):
    """The yearly report as a page to print: the teams and cadres of the user's scope with
    their metrics, scores and grades, and the outcomes of the year."""
    year = _year(request).chosen_year()
    return render(
        request,
        "assessments/assessment_report.html",
        {
            "year": year,
            "printed_on": timezone.localdate(),
            "teams": _with_metrics(_assessments(request.user, year), TEAM_COLUMNS),
            "team_columns": TEAM_COLUMNS,
            "cadres": _with_metrics(_cadre_assessments(request.user, year), CADRE_COLUMNS),
            "cadre_columns": CADRE_COLUMNS,
            "outcomes": _outcomes(request.user, year),
        },
    )


@require_POST
def assessment_compute(request):
    if not may(request.user, "assess"):
        raise PermissionDenied
    year = _year(request).chosen_year()
    count = services.assessments_compute(teams=Team.objects.visible_to(request.user), year=year)
    messages.success(
        request,
        _("Metrics of %(year)s computed for %(count)d teams.") % {"year": year, "count": count},
    )
    return redirect(f"{reverse('assessments:assessments')}?year={year}")


def _team_assessment_for(request, pk):
    return get_visible_or_404(
        TeamAssessment.objects.select_related("team__township"), request.user, pk=pk
    )


def _team_assessment_page(request, assessment, *, form=None, outcome_form=None, refused=None):
    """The page; ``refused``, what `save_or_conflict` found when the score was saved."""
    team, can_edit = assessment.team, may(request.user, "assess")
    refused = refused or {}
    if can_edit:
        form = form or TeamAssessmentForm(instance=assessment, user=request.user)
        outcome_form = outcome_form or OutcomeForm(user=request.user, team=team)
    return render(
        request,
        "assessments/team_assessment.html",
        {
            "assessment": assessment,
            "metrics": [
                (label, assessment.metrics.get(key)) for key, label in TEAM_COLUMNS.items()
            ],
            "cadres": CadreAssessment.objects.visible_to(request.user)
            .filter(member__team=team, year=assessment.year)
            .select_related("member")
            .order_by("member__name"),
            "outcomes": team.outcomes.filter(year=assessment.year).select_related(
                "team__township", "member"
            ),
            "form": form,
            "outcome_form": outcome_form,
            **refused,
        },
        status=status(refused),
    )


def team_assessment(request, pk):
    """A team's assessment: its metrics, the county's score and grade, its cadres, outcomes."""
    assessment = _team_assessment_for(request, pk)
    if request.method != "POST":
        return _team_assessment_page(request, assessment)
    if not may(request.user, "assess"):
        raise PermissionDenied
    form = TeamAssessmentForm(request.POST, instance=assessment, user=request.user)
    refused = {}
    if not (form.is_valid() and save_or_conflict(form, refused)):
        return _team_assessment_page(request, assessment, form=form, refused=refused)
    messages.success(request, _("Assessment saved."))
    return redirect(request.path)


@require_POST
def outcome_add(request, pk):
    """通报, 限期整改, 约谈, 追责 or 优先提拔, recorded against the team or one of its cadres."""
    assessment = _team_assessment_for(request, pk)
    if not may(request.user, "assess"):
        raise PermissionDenied
    form = OutcomeForm(request.POST, user=request.user, team=assessment.team)
    if not form.is_valid():
        return _team_assessment_page(request, assessment, outcome_form=form)
    form.instance.team = assessment.team
    form.instance.year = assessment.year
    form.instance.recorded_by = request.user
    form.save()
    messages.success(request, _("Outcome recorded."))
    return redirect(reverse("assessments:team_assessment", args=[assessment.pk]))


@require_POST
def outcome_close(request, pk):
    """Close an outcome with the day and what was done, from the page listing it (``next``);
    refused input changes nothing and comes back as messages."""
    outcome = get_visible_or_404(Outcome.objects.all(), request.user, pk=pk)
    if not may(request.user, "assess"):
        raise PermissionDenied
    form = OutcomeCloseForm(request.POST, instance=outcome, user=request.user)
    if form.is_valid():
        if save_or_conflict(form, {}):
            messages.success(request, _("Outcome closed."))
        else:
            messages.error(request, _("Someone else changed this outcome meanwhile: see it below."))
    else:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            for error in errors:
                messages.error(request, f"{field.label}：{error}" if field else error)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = f"{reverse('assessments:assessments')}?year={outcome.year}"
    return redirect(back)


def cadre_assessment_edit(request, pk):
    assessment = get_visible_or_404(
        CadreAssessment.objects.select_related("member__team__township"), request.user, pk=pk
    )
    if not may(request.user, "assess"):
        raise PermissionDenied
    form = CadreAssessmentForm(request.POST or None, instance=assessment, user=request.user)
    team_page = (
        TeamAssessment.objects.visible_to(request.user)
        .filter(team=assessment.member.team, year=assessment.year)
        .first()
    )
    context = {
        "form": form,
        "title": str(assessment),
        "context_lines": [
            (label, assessment.metrics.get(key)) for key, label in CADRE_COLUMNS.items()
        ],
    }
    if form.is_valid() and save_or_conflict(form, context):
        messages.success(request, _("Assessment saved."))
        return redirect(reverse("assessments:team_assessment", args=[team_page.pk]))
    return render(request, "assessments/form.html", context, status=status(context))


@replica_reads
def assessment_xlsx(request):
    """The yearly report: teams with metrics, score and grade; cadres; outcomes."""
    year = _year(request).chosen_year()
    user = request.user
    book = Workbook()
    sheet = book.active
    sheet.title = _("Teams")
    append_row(
        sheet,
        [
            _("Township"),
            *map(str, TEAM_COLUMNS.values()),
            _("Score"),
            _("Grade"),
            pgettext("assessment", "Comment"),
        ],
    )
    for assessment in _assessments(user, year):
        append_row(
            sheet,
            [
                assessment.team.township.name,
                *(assessment.metrics.get(key) for key in TEAM_COLUMNS),
                assessment.score,
                assessment.get_grade_display(),
                assessment.comment,
            ],
        )
    sheet = book.create_sheet(_("Cadres"))
    append_row(
        sheet,
        [
            _("Township"),
            _("Cadre"),
            *map(str, CADRE_COLUMNS.values()),
            _("Score"),
            _("Grade"),
            pgettext("assessment", "Comment"),
        ],
    )
    for assessment in _cadre_assessments(user, year):
        append_row(
            sheet,
            [
                assessment.member.team.township.name,
                assessment.member.name,
                *(assessment.metrics.get(key) for key in CADRE_COLUMNS),
                assessment.score,
                assessment.get_grade_display(),
                assessment.comment,
            ],
        )
    sheet = book.create_sheet(_("Outcomes"))
    append_row(sheet, [_("Township"), _("Outcome"), _("Cadre"), _("Date"), _("Deadline"),
                  _("Responsible person"), _("Note"), _("Closed on")])  # fmt: skip
    for outcome in _outcomes(user, year):
        append_row(
            sheet,
            [
                outcome.team.township.name,
                outcome.get_kind_display(),
                outcome.member.name if outcome.member else "",
                outcome.date,
                outcome.deadline,
                outcome.owner,
                outcome.note,
                outcome.closed_on,
            ],
        )
    return workbook_response(book, f"年度考核-{year}.xlsx")
