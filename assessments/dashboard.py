"""The county dashboard (docs/domain.md §3.4): per township of the user's scope, where the campaign
stands in a year, each figure with the list of rows behind it.

Every family of figures is ONE aggregate query over all the townships in scope (grouped by
township), never a query per township: the page costs the same number of queries for one
township as for a province. A household figure is a `Q` over `Household` (`household_figures`):
the dashboard counts it and the figure's list (`views.figure_households`) filters by it, so the
number and the list behind it cannot disagree.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import ExitTarget, Rectification, exited_in
from households.coverage import MAP_STATUSES, bar_chart
from households.models import Household, Person
from ledgers.models import Guarantee, Income, Plan, PovertyStandard, Project, Visit
from ledgers.selectors import visits_count_from
from ledgers.supervision import fund_summary
from teams.models import Area, Member, Presence, Team, month_start
from teams.services import long_absences, six_haves_status

Status = Household.Status

#: The household figures, in the order of the table: name → column heading.
HOUSEHOLD_FIGURES = {
    "in_poverty": gettext_lazy("Still in poverty"),
    "returned": gettext_lazy("Back in poverty (返贫)"),
    "exited": gettext_lazy("Exited in the year"),
    "no_cadre": gettext_lazy("No contact cadre"),
    "not_visited_30": gettext_lazy("Not visited in 30 days"),
    "not_visited_90": gettext_lazy("Not visited in 90 days"),
    "ledger_incomplete": gettext_lazy("Ledger incomplete"),
}


def default_year(today: datetime.date) -> int:
    """This year when its lines are published; else the latest year that has lines and
    recorded incomes (the year the ledgers were last kept for), else the latest with lines."""
    years = set(PovertyStandard.objects.values_list("year", flat=True))
    if today.year in years or not years:
        return today.year
    kept = Income.objects.filter(year__in=years).aggregate(latest=Max("year"))["latest"]
    return kept or max(years)


def as_of(year: int, today: datetime.date) -> datetime.date:
    """The day a year's figures are taken at: today, or the last day of a past year."""
    return min(today, datetime.date(year, 12, 31))


def household_figures(year: int, day: datetime.date) -> dict[str, Q]:
    """Each household figure of ``year`` seen on ``day``, as a condition on Household.

    Still in poverty: 已建档 or 返贫. Exited: an exit of the year (`exited_in`). No contact cadre:
    still in poverty and linked to nobody, or to a cadre who has left the team (不脱贫不脱钩).
    Not visited: still in poverty and no visit in the N days up to ``day``. Ledger incomplete:
    still in poverty and missing the year's work plan, income or 三保障 record.
    """
    active = Q(status__in=Household.ACTIVE_STATUSES)
    household = OuterRef("pk")

    def visited_within(days):
        since = visits_count_from(day, days)
        return Exists(Visit.objects.filter(household=household, date__gte=since, date__lte=day))

    ledger_complete = (
        Exists(Plan.objects.filter(household=household, kind=Plan.Kind.YEARLY, year=year))
        & Exists(Income.objects.filter(household=household, year=year))
        & Exists(Guarantee.objects.filter(household=household, year=year))
    )
    return {
        "in_poverty": active,
        "returned": Q(status=Status.RETURNED),
        "exited": exited_in(year),
        "no_cadre": active & (Q(contact_cadre__isnull=True) | Q(contact_cadre__left__isnull=False)),
        "not_visited_30": active & ~visited_within(30),
        "not_visited_90": active & ~visited_within(90),
        "ledger_incomplete": active & ~ledger_complete,
    }


@dataclass
class TownshipRow:
    township: Area
    team: Team | None = None
    households: Counter = field(default_factory=Counter)
    persons: int = 0
    target: int | None = None
    six_haves_missing: int = 0
    long_absent: int = 0
    overdue: int = 0

    @property
    def figures(self):
        """(name, count) of each household figure, in the order of the table."""
        return [(name, self.households[name]) for name in HOUSEHOLD_FIGURES]

    @property
    def without_team(self):
        """Households still in poverty and no team: a finding (§1)."""
        return self.team is None and self.households["in_poverty"] > 0

    @property
    def target_met(self):
        return self.target is not None and self.households["exited"] >= self.target


@dataclass
class Dashboard:
    year: int
    day: datetime.date
    absence_month: datetime.date
    rows: list[TownshipRow]
    #: ((attribute id, name), (main cause id, name)) → [households, persons] still in poverty.
    breakdown: dict
    funds: dict

    @property
    def totals(self):
        total = TownshipRow(township=None)
        for row in self.rows:
            total.households.update(row.households)
            total.persons += row.persons
            total.target = (total.target or 0) + (row.target or 0)
            total.six_haves_missing += row.six_haves_missing
            total.long_absent += row.long_absent
            total.overdue += row.overdue
        return total

    @property
    def by_attribute(self):
        return self._by(0)

    @property
    def by_cause(self):
        return self._by(1)

    def _by(self, index):
        """((id, name), households, persons) still in poverty by attribute (0) or main cause
        (1), the most households first; the id is None for households without one."""
        sums = defaultdict(lambda: [0, 0])
        for key, (households, persons) in self.breakdown.items():
            if not households and not persons:
                continue
            sums[key[index]][0] += households
            sums[key[index]][1] += persons
        return sorted(((item, *counts) for item, counts in sums.items()), key=lambda r: -r[1])


def county_dashboard(user, year: int, today: datetime.date) -> Dashboard:
    """The dashboard of every township in ``user``'s scope for ``year``."""
    day = as_of(year, today)
    townships = Area.objects.visible_to(user).filter(level=Area.Level.TOWNSHIP).order_by("code")
    rows = {area.code: TownshipRow(area) for area in townships.select_related("parent")}

    households = Household.objects.visible_to(user)
    figures = household_figures(year, day)
    breakdown = defaultdict(lambda: [0, 0])
    grouped = households.values(
        "village__parent", "attribute", "attribute__name", "main_cause", "main_cause__name"
    )
    for counts in grouped.annotate(
        **{name: Count("pk", filter=q) for name, q in figures.items()}
    ).order_by():
        row = rows[counts["village__parent"]]
        row.households.update({name: counts[name] for name in figures})
        breakdown[_key(counts, "")][0] += counts["in_poverty"]
    persons = (
        Person.objects.visible_to(user)
        .current()
        .filter(household__status__in=Household.ACTIVE_STATUSES)
        .values(
            "household__village__parent",
            "household__attribute",
            "household__attribute__name",
            "household__main_cause",
            "household__main_cause__name",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for counts in persons:
        rows[counts["household__village__parent"]].persons += counts["n"]
        breakdown[_key(counts, "household__")][1] += counts["n"]

    for target in ExitTarget.objects.visible_to(user).filter(year=year):
        rows[target.township_id].target = target.households

    teams = list(Team.objects.visible_to(user))
    for team in teams:
        rows[team.township_id].team = team
    missing = six_haves_status(teams)
    for team in teams:
        rows[team.township_id].six_haves_missing = sum(not s.met for s in missing[team.pk])

    month = absence_month(user, day)
    for member in long_absences(Member.objects.visible_to(user), until=month):
        rows[member.team.township_id].long_absent += 1

    overdue = (
        Rectification.objects.visible_to(user)
        .overdue(day)
        .values("inspection__team__township")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for counts in overdue:
        rows[counts["inspection__team__township"]].overdue = counts["n"]

    return Dashboard(
        year=year,
        day=day,
        absence_month=month,
        rows=list(rows.values()),
        breakdown=dict(breakdown),
        funds=fund_figures(Project.objects.visible_to(user)),
    )


def _key(counts, prefix):
    """((attribute id, name), (main cause id, name)) of a grouped row."""
    return tuple(
        (counts[f"{prefix}{name}"], counts[f"{prefix}{name}__name"])
        for name in ("attribute", "main_cause")
    )


def absence_month(user, day: datetime.date) -> datetime.date:
    """The latest month with presence entries up to ``day``: the month long absence is judged
    at (the current month has no entries until it is over)."""
    latest = (
        Presence.objects.visible_to(user).filter(month__lte=day).aggregate(month=Max("month"))
    )["month"]
    return latest or month_start(day)


def fund_figures(projects) -> dict:
    """Funds budgeted and paid and flagged projects per township, for `_funds.html`:
    {township code: {"township": name, "budgeted": yuan, "paid": yuan, "flags": projects
    raising a supervision flag}}, from the supervision totals of the ledgers app."""
    return {
        row["township"].code: {
            "township": row["township"].name,
            "budgeted": row["budget"],
            "paid": row["paid"],
            "flags": row["flagged"],
        }
        for row in fund_summary(projects)["townships"]
    }


def chart_rows(dashboard: Dashboard):
    """(township name, [still in poverty less returned, returned, exited]) for the chart."""
    return [
        (
            row.township.name,
            [
                row.households["in_poverty"] - row.households["returned"],
                row.households["returned"],
                row.households["exited"],
            ],
        )
        for row in dashboard.rows
    ]


def chart(dashboard: Dashboard):
    return bar_chart(
        title=_("Households by township, %(year)s") % {"year": dashboard.year},
        description=_("Registered, back in poverty and exited in the year, per township."),
        series=[
            (Status.REGISTERED.label, MAP_STATUSES[Status.REGISTERED]),
            (Status.RETURNED.label, MAP_STATUSES[Status.RETURNED]),
            (_("Exited in the year"), MAP_STATUSES[Status.EXITED]),
        ],
        rows=chart_rows(dashboard),
        bar_space=480,
    )
