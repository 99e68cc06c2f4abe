"""Trends of the dashboard's main figures (issue 19, item 3): month by month through a year
and year on year, for an area, with the very rules of the dashboard (`dashboard.on_day`,
`dashboard.household_figures`), so a December point or a year is the dashboard of that day.

Each table is ONE aggregate query whatever the area: a month's or a year's figure is a filtered
count, taken on the last day of its month or year (today for the running one).
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from assessments.dashboard import as_of, household_figures, status_on, visible_in
from assessments.models import ExitTarget
from households.models import Household
from ledgers.models import CAMPAIGN_YEARS, Visit


@dataclass
class Point:
    label: str
    day: datetime.date
    in_poverty: int
    #: Exits of the year so far (month by month) or in the year, against the year's target.
    exited: int
    target: int | None
    visits: int
    #: Households still in poverty whose year's ledger is complete (years only).
    ledger_complete: int | None = None

    @property
    def ledger_rate(self):
        """The percentage of households still in poverty with a complete ledger."""
        if self.ledger_complete is None or not self.in_poverty:
            return None
        return 100 * self.ledger_complete / self.in_poverty


def month_ends(year: int, today: datetime.date) -> list[datetime.date]:
    """The last day of each month of ``year`` up to today's (today for the running month)."""
    ends = [datetime.date(year, m, calendar.monthrange(year, m)[1]) for m in range(1, 13)]
    return [min(end, today) for end in ends if end.replace(day=1) <= today]


def monthly(households, visits, targets, year: int, today: datetime.date) -> list[Point]:
    """The year month by month: households in poverty at each month's end, the year's exits
    up to it (by exit date; exits of the year announced after it count in December), the
    target, and the visits of the month."""
    days = month_ends(year, today)
    counts = {}
    for index, day in enumerate(days):
        figures = household_figures(year, day, status=f"status_{index}")
        exited = figures["exited"] if day.month == 12 else figures["exited"] & Q(exited_on__lte=day)
        counts[f"in_poverty_{index}"] = Count("pk", filter=figures["in_poverty"])
        counts[f"exited_{index}"] = Count("pk", filter=exited)
    aliased = households.alias(**{f"status_{i}": status_on(day) for i, day in enumerate(days)})
    totals = _sums(aliased, counts)
    by_month = dict(
        visits.filter(date__year=year, date__lte=today)
        .values_list(ExtractMonth("date"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    target = targets.get(year)
    return [
        Point(
            label=f"{day.month}",
            day=day,
            in_poverty=totals[f"in_poverty_{index}"],
            exited=totals[f"exited_{index}"],
            target=target,
            visits=by_month.get(day.month, 0),
        )
        for index, day in enumerate(days)
    ]


def yearly(households, visits, targets, year: int, today: datetime.date) -> list[Point]:
    """Each year of the campaign up to ``year``, taken as the dashboard takes it."""
    years = range(CAMPAIGN_YEARS[0], year + 1)
    counts = {}
    for y in years:
        figures = household_figures(y, as_of(y, today), status=f"status_{y}")
        for name in ("in_poverty", "exited", "ledger_incomplete"):
            counts[f"{name}_{y}"] = Count("pk", filter=figures[name])
    aliased = households.alias(**{f"status_{y}": status_on(as_of(y, today)) for y in years})
    totals = _sums(aliased, counts)
    by_year = dict(
        visits.filter(date__year__in=years, date__lte=today)
        .values_list(ExtractYear("date"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        Point(
            label=f"{y}",
            day=as_of(y, today),
            in_poverty=totals[f"in_poverty_{y}"],
            exited=totals[f"exited_{y}"],
            target=targets.get(y),
            visits=by_year.get(y, 0),
            ledger_complete=totals[f"in_poverty_{y}"] - totals[f"ledger_incomplete_{y}"],
        )
        for y in years
    ]


def _sums(households, counts) -> dict:
    """The ``counts`` over ``households``, zeros when there are none. (Grouped by a constant
    rather than `aggregate`, which wraps the aliases in a subquery their `OuterRef`s cannot
    see out of.)"""
    row = households.annotate(whole=Value(1)).values("whole").annotate(**counts).order_by()
    return next(iter(row), None) or dict.fromkeys(counts, 0)


def area_trends(user, area, year: int, today: datetime.date):
    """(month by month, year on year) for ``area`` in ``user``'s scope."""

    households = visible_in(Household.objects, user, area)
    visits = visible_in(Visit.objects, user, area)
    targets = dict(
        visible_in(ExitTarget.objects, user, area)
        .values_list("year")
        .annotate(n=Sum("households"))
        .order_by()
    )
    return (
        monthly(households, visits, targets, year, today),
        yearly(households, visits, targets, year, today),
    )


@dataclass
class Line:
    name: str
    colour: str
    values: list[int]
    #: "x,y x,y …" for the SVG polyline.
    points: str
    #: (x, y, value) of each point, for its marker and tooltip.
    marks: list[tuple[int, int, int]]


@dataclass
class LineChart:
    title: str
    description: str
    labels: list[tuple[int, str]]
    lines: list[Line]
    top: int
    width: int = 640
    height: int = 240


#: The plot's margins: room for the axis labels on the left and below, the legend above.
LEFT, TOP, BOTTOM, RIGHT = 48, 52, 28, 16


def line_chart(title, description, labels, series) -> LineChart:
    """Lines over the same x labels: ``series`` are (name, colour, values), one value a label;
    the y axis runs from 0 to the largest value."""
    chart = LineChart(title=title, description=description, labels=[], lines=[], top=0)
    top = max((max(values, default=0) for _n, _c, values in series), default=0) or 1
    step = (chart.width - LEFT - RIGHT) / max(len(labels) - 1, 1)
    plot = chart.height - TOP - BOTTOM

    def xy(index, value):
        return round(LEFT + index * step), round(TOP + plot - plot * value / top)

    chart.top = top
    chart.labels = [(xy(index, 0)[0], label) for index, label in enumerate(labels)]
    for name, colour, values in series:
        marks = [(*xy(index, value), value) for index, value in enumerate(values)]
        points = " ".join(f"{x},{y}" for x, y, _value in marks)
        chart.lines.append(Line(name, colour, values, points, marks))
    return chart


IN_POVERTY, EXITED, TARGET, VISITS, LEDGER = "#b42318", "#137333", "#7b8794", "#1c5fb8", "#d97706"


def charts(months: list[Point], years: list[Point]) -> list[LineChart]:
    """The trend charts: households and exits against the target, visits, and (by year) the
    share of ledgers complete, each month by month and year on year."""

    def households(points, exits):
        series = [
            (_("Still in poverty"), IN_POVERTY, [p.in_poverty for p in points]),
            (exits, EXITED, [p.exited for p in points]),
        ]
        if any(p.target is not None for p in points):
            series.append((_("Exit target"), TARGET, [p.target or 0 for p in points]))
        return series

    month_labels = [_("Month %(month)s") % {"month": p.label} for p in months]
    year_labels = [p.label for p in years]
    return [
        line_chart(
            _("Households, month by month"),
            _("Households still in poverty at each month's end and the year's exits so far."),
            month_labels,
            households(months, _("Exits so far")),
        ),
        line_chart(
            _("Visits, month by month"),
            _("Visits recorded in each month."),
            month_labels,
            [(_("Visits recorded"), VISITS, [p.visits for p in months])],
        ),
        line_chart(
            _("Households, year on year"),
            _("Households still in poverty at each year's end and the exits of the year."),
            year_labels,
            households(years, _("Exited in the year")),
        ),
        line_chart(
            _("Visits and complete ledgers, year on year"),
            _("Visits recorded in each year; households still in poverty with a complete ledger."),
            year_labels,
            [
                (_("Visits recorded"), VISITS, [p.visits for p in years]),
                (_("Complete ledgers"), LEDGER, [p.ledger_complete or 0 for p in years]),
            ],
        ),
    ]
