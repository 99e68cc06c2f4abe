"""The yearly assessment of teams and cadres (述职考核): metrics from the ledgers beside the
county's score and grade, the outcomes it leads to, and the yearly report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
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
from teams.locking import save_or_conflict, status
from teams.models import Team
from teams.permissions import may
from teams.scope import get_visible_or_404
from teams.tables import COUNT, DATE, MONEY, PERCENT, SCORE, Column, workbook_response, write_table


def _metric(key, label, kind=COUNT):
    return Column(label, value=lambda assessment: assessment.metrics.get(key), kind=kind)


#: Team metrics shown and exported, in order.
TEAM_COLUMNS = [
    _metric("in_poverty", gettext_lazy("Households still in poverty")),
    _metric("coverage", gettext_lazy("Coverage"), PERCENT),
    _metric("visits", gettext_lazy("Visits made")),
    _metric("visited", gettext_lazy("Households visited")),
    _metric("planned", gettext_lazy("Households with a yearly plan")),
    _metric("plan_completion", gettext_lazy("Measures done"), PERCENT),
    _metric("exited", gettext_lazy("Exited")),
    _metric("exit_target", gettext_lazy("Exit target")),
    _metric("paid", gettext_lazy("Project funds paid (yuan)"), MONEY),
    _metric("budgeted", gettext_lazy("Project budgets (yuan)"), MONEY),
    _metric("funds_against_budget", gettext_lazy("Funds paid against project budgets"), PERCENT),
]
#: Cadre metrics, likewise.
CADRE_COLUMNS = [
    _metric("households", gettext_lazy("Households linked")),
    _metric("visits", gettext_lazy("Visits made")),
    _metric("exited", gettext_lazy("Exited")),
    _metric("measures", gettext_lazy("Measures")),
    _metric("plan_completion", gettext_lazy("Measures done"), PERCENT),
]
#: What follows the metrics of a team or a cadre.
VERDICT_COLUMNS = [
    Column(gettext_lazy("Score"), value=lambda assessment: assessment.score, kind=SCORE),
    Column(gettext_lazy("Grade"), value=lambda assessment: assessment.get_grade_display()),
    Column(
        pgettext_lazy("assessment", "Comment"),
        value=lambda assessment: assessment.comment,
        width=30,
    ),
]


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
        (assessment, [column.shown(assessment) for column in columns]) for assessment in assessments
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
            "metrics": [(column.label, column.shown(assessment)) for column in TEAM_COLUMNS],
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
        "context_lines": [(column.label, column.shown(assessment)) for column in CADRE_COLUMNS],
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
    township = Column(_("Township"), value=lambda row: row.team.township.name)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Teams")
    columns = [township, *TEAM_COLUMNS, *VERDICT_COLUMNS]
    write_table(sheet, columns, _assessments(user, year))
    cadre_columns = [
        Column(_("Township"), value=lambda row: row.member.team.township.name),
        Column(_("Cadre"), value=lambda row: row.member.name),
        *CADRE_COLUMNS,
        *VERDICT_COLUMNS,
    ]
    write_table(
        book.create_sheet(_("Cadres")), cadre_columns, _cadre_assessments(user, year), frozen=2
    )
    outcome_columns = [
        township,
        Column(_("Outcome"), value=lambda row: row.get_kind_display()),
        Column(_("Cadre"), value=lambda row: row.member.name if row.member else ""),
        Column(_("Date"), value=lambda row: row.date, kind=DATE),
        Column(_("Deadline"), value=lambda row: row.deadline, kind=DATE),
        Column(_("Responsible person"), value=lambda row: row.owner),
        Column(_("Note"), value=lambda row: row.note, width=30),
        Column(_("Closed on"), value=lambda row: row.closed_on, kind=DATE),
    ]
    write_table(book.create_sheet(_("Outcomes")), outcome_columns, _outcomes(user, year))
    return workbook_response(book, f"年度考核-{year}.xlsx")
