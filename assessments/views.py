from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import dashboard as figures
from assessments.exports import dashboard_workbook
from assessments.forms import DashboardForm, FigureFilter
from assessments.trends import area_trends
from assessments.trends import charts as trend_charts
from config.replica import replica_reads
from households.models import Household
from ledgers.selectors import with_ledger_summary
from teams.models import Team
from teams.tables import workbook_response


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


@replica_reads
def figure_households(request, figure):
    """The households behind one figure of the dashboard, found by the very condition that
    counted them."""
    if figure not in figures.HOUSEHOLD_FIGURES:
        raise Http404
    user = request.user
    form = FigureFilter(request.GET, user=user)
    if not form.is_valid():
        raise Http404
    year = form.chosen_year()
    today = timezone.localdate()
    day = figures.as_of(year, today)
    households = figures.on_day(form.filter(Household.objects.visible_to(user)), day, today)
    households = with_ledger_summary(
        households.filter(figures.household_figures(year, day)[figure])
        .annotate(status_then=F("status_on"), cadre_then=F("cadre_on"))
        .select_related("village__parent", "attribute", "main_cause")
        .with_head()
        .order_by("number"),
        until=day,
    )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for household in page.object_list:
        household.status_then = (
            Household.Status(household.status_then) if household.status_then else None
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/figure_households.html",
        {
            "page": page,
            "query": query.urlencode(),
            "title": figures.HOUSEHOLD_FIGURES[figure],
            "year": year,
            "day": day,
            "current": day >= today,
            "filters": form.cleaned_data,
        },
    )
