from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from assessments import dashboard as figures
from assessments.crosscheck_views import finding_counts
from assessments.exports import dashboard_workbook
from assessments.forms import DashboardForm, FigureFilter
from assessments.trends import area_trends
from assessments.trends import charts as trend_charts
from config.replica import replica_reads
from households.models import Household
from ledgers.selectors import with_ledger_summary
from teams.models import Team
from teams.tables import DATE, MONEY, Column, workbook_response, write_table


@replica_reads
def home(request):
    """County, city and province offices land on the dashboard of their area; township staff
    on their scope and what they can do."""
    user = request.user
    if user.is_county_or_above:
        return _dashboard_page(request)
    teams = Team.objects.visible_to(user).select_related("township")
    member = getattr(user, "member", None)
    return render(
        request,
        "assessments/home.html",
        {
            "team_count": teams.count(),
            "own_team": member.team if member and member.is_current else None,
            "left": member if member and not member.is_current else None,
            "first_teams": teams.order_by("township_id")[:12],
        },
    )


def _dashboard(request):
    form = DashboardForm(request.GET or None)
    area = figures.dashboard_area(request.user, request.GET.get("area"))
    dashboard = figures.area_dashboard(request.user, area, form.chosen_year(), timezone.localdate())
    return form, dashboard


def _dashboard_page(request):
    form, dashboard = _dashboard(request)
    return render(
        request,
        "assessments/dashboard.html",
        {
            "form": form,
            "dashboard": dashboard,
            "columns": figures.HOUSEHOLD_FIGURES,
            "chart": figures.chart(dashboard),
            "snapshot_minutes": settings.FIGURES_SNAPSHOT_MINUTES,
            "finding_counts": finding_counts(request.user),
        },
    )


@replica_reads
def dashboard_xlsx(request):
    _form, dashboard = _dashboard(request)
    name = _("%(area)s dashboard %(year)s") % {
        "area": dashboard.area.name if dashboard.area else _("All areas"),
        "year": dashboard.year,
    }
    return workbook_response(dashboard_workbook(dashboard), f"{name}.xlsx")


@replica_reads
def trends(request):
    """The dashboard's main figures month by month and year on year, for the same area."""
    form = DashboardForm(request.GET or None)
    area = figures.dashboard_area(request.user, request.GET.get("area"))
    year = form.chosen_year()
    months, years = area_trends(request.user, area, year, timezone.localdate())
    return render(
        request,
        "assessments/trends.html",
        {
            "form": form,
            "area": area,
            "year": year,
            "months": months,
            "years": years,
            "charts": trend_charts(months, years),
        },
    )


def _figure_columns(day, current):
    """The columns of a figure's list; a past day's say their status, cadre and visit are
    of then."""
    then = day.strftime("%Y-%m-%d")
    return [
        Column(_("Household number"), value=lambda h: h.number, width=20),
        Column(_("Head of household"), value=lambda h: h.head.name if h.head else "—"),
        Column(_("Village"), value=lambda h: f"{h.village.parent.name} {h.village.name}", width=20),
        Column(_("Main cause"), value=lambda h: str(h.main_cause or "")),
        Column(
            _("Contact cadre") if current else _("Contact cadre on %(day)s") % {"day": then},
            value=lambda h: h.cadre_then or "—",
        ),
        Column(
            _("Status") if current else _("Status on %(day)s") % {"day": then},
            value=lambda h: h.status_then.label if h.status_then else "—",
        ),
        Column(
            _("Last visit") if current else _("Last visit up to %(day)s") % {"day": then},
            value=lambda h: h.last_visit,
            kind=DATE,
        ),
        Column(_("Per-capita income"), value=lambda h: h.income_per_capita, kind=MONEY),
        Column(_("Income year"), value=lambda h: h.income_year, width=8),
    ]


def _figure_list(request, figure):
    """(households, context) of one figure of the dashboard: the households found by the very
    condition that counted them."""
    if figure not in figures.HOUSEHOLD_FIGURES:
        raise Http404
    form = FigureFilter(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404
    year = form.chosen_year()
    today = timezone.localdate()
    day = figures.as_of(year, today)
    households = figures.on_day(form.filter(Household.objects.visible_to(request.user)), day, today)
    households = with_ledger_summary(
        households.filter(figures.household_figures(year, day)[figure])
        .annotate(status_then=F("status_on"), cadre_then=F("cadre_on"))
        .select_related("village__parent", "attribute", "main_cause")
        .with_head()
        .order_by("number"),
        until=day,
    )
    return households, {
        "title": figures.HOUSEHOLD_FIGURES[figure],
        "columns": _figure_columns(day, current=day >= today),
        "year": year,
        "day": day,
        "filters": form.cleaned_data,
    }


def _with_status(households):
    for household in households:
        status = household.status_then
        household.status_then = Household.Status(status) if status else None
        yield household


@replica_reads
def figure_households(request, figure):
    households, context = _figure_list(request, figure)
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    page.object_list = list(_with_status(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/figure_households.html",
        {**context, "page": page, "query": query.urlencode(), "figure": figure},
    )


@replica_reads
def figure_households_xlsx(request, figure):
    """The list behind a figure, every page of it."""
    households, context = _figure_list(request, figure)
    title = f"{context['title']} {context['day']:%Y-%m-%d}"
    area = context["filters"].get("area")
    if area:
        title = f"{area.name} {title}"
    book = Workbook(write_only=True)
    rows = _with_status(households.iterator(2000))
    write_table(book.create_sheet(str(context["title"])[:31]), context["columns"], rows,
                title=title, frozen=2)  # fmt: skip
    return workbook_response(book, f"{title}.xlsx")
