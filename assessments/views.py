from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from assessments import dashboard as figures
from assessments.exports import dashboard_workbook
from assessments.forms import DashboardForm, FigureFilter
from config.replica import replica_reads
from households.exports import workbook_response
from households.models import Household
from ledgers.selectors import with_ledger_summary
from teams.models import Team


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
    return form, figures.county_dashboard(request.user, form.chosen_year(), timezone.localdate())


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
        },
    )


@replica_reads
def dashboard_xlsx(request):
    _form, dashboard = _dashboard(request)
    return workbook_response(dashboard_workbook(dashboard), f"县级看板-{dashboard.year}.xlsx")


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
    day = figures.as_of(year, timezone.localdate())
    households = form.filter(
        Household.objects.visible_to(user).filter(figures.household_figures(year, day)[figure])
    )
    households = with_ledger_summary(
        households.select_related("village__parent", "attribute", "main_cause", "contact_cadre")
        .with_head()
        .order_by("number")
    )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
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
            "filters": form.cleaned_data,
        },
    )
