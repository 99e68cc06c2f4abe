"""The dashboard (docs/domain.md §3.4) of an area: one row per area one level down (a
province's cities, a city's counties, a county's townships, a township's villages), where the
campaign stands in a year, each figure with the list of rows behind it.

Every family of figures is ONE aggregate query over all the townships in the area (grouped by
township, or by village under a township), never a query per row: the page costs the same
number of queries for one township as for a province, and each level is the sum of the one
below. A household figure is a `Q` over households seen on a day (`on_day`,
`household_figures`): the dashboard counts it and the figure's list (`views.figure_households`)
filters by it, so the number and the list behind it cannot disagree.

A past year's figures are taken on its 31 December from the status and contact cadre
histories; today's from the current status and contact cadre.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from assessments.models import (
    ExitTarget,
    FiguresSnapshot,
    Rectification,
    TownshipBreakdown,
    TownshipFigures,
    exited_in,
)
from households.coverage import MAP_STATUSES, bar_chart
from households.models import CadreAssignment, Household, MemberChange, Person, StatusChange
from ledgers.models import Guarantee, Income, Plan, PovertyStandard, Project, Visit
from ledgers.selectors import visits_count_from
from ledgers.supervision import fund_summary
from teams import codes
from teams.models import Area, Member, Presence, Team, month_start
from teams.scope import scope_of
from teams.services import long_absences, six_haves_missing

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


def status_on(day: datetime.date) -> Coalesce:
    """A household's status on ``day``, from its status history (`StatusChange`): the status
    its last change up to ``day`` made; before its first change, the status that change left
    ("" while the household did not exist yet); its current status if it has no history."""
    changes = StatusChange.objects.unscoped().filter(household=OuterRef("pk"))
    return Coalesce(
        Subquery(changes.filter(date__lte=day).order_by("-date", "-pk").values("new_status")[:1]),
        Subquery(changes.filter(date__gt=day).order_by("date", "pk").values("old_status")[:1]),
        F("status"),
    )


def cadre_on(day: datetime.date) -> Coalesce:
    """The name of a household's contact cadre on ``day``, from its assignments
    (`CadreAssignment`, each from its start up to the day before its end) of a cadre who had
    not left the team by then; the current contact cadre if it has no assignments; None for
    nobody."""
    assignments = CadreAssignment.objects.unscoped().filter(household=OuterRef("pk"))
    serving = Q(cadre__left__isnull=True) | Q(cadre__left__gt=day)
    covering = assignments.filter(serving, Q(end__isnull=True) | Q(end__gt=day), start__lte=day)
    return Coalesce(
        Subquery(covering.values("cadre__name")[:1]),
        Case(When(Exists(assignments), then=None), default=contact_cadre_on(day)),
    )


def contact_cadre_on(day: datetime.date) -> Case:
    """The name of the household's contact cadre if they had not left the team by ``day``."""
    serving = Q(contact_cadre__left__isnull=True) | Q(contact_cadre__left__gt=day)
    return Case(When(serving, then=F("contact_cadre__name")), default=None)


def on_day(households, day: datetime.date, today: datetime.date):
    """``households`` with what was true on ``day`` for `household_figures`: ``status_on``
    and ``cadre_on`` (the contact cadre's name). For today these are the current status and
    contact cadre; for a past day they come from the histories."""
    if day >= today:
        return households.alias(status_on=F("status"), cadre_on=contact_cadre_on(day))
    return households.alias(status_on=status_on(day), cadre_on=cadre_on(day))


def household_figures(year: int, day: datetime.date, status: str = "status_on") -> dict[str, Q]:
    """Each household figure of ``year`` seen on ``day``, as a condition on households that
    went through `on_day` (or that have their status on ``day`` under the alias ``status``).

    Still in poverty: 已建档 or 返贫 on ``day``. Exited: an exit of the year (`exited_in`). No
    contact cadre: still in poverty and linked to nobody, or to a cadre who had left the team
    (不脱贫不脱钩). Not visited: still in poverty and no visit in the N days up to ``day``.
    Ledger incomplete: still in poverty and missing the year's work plan, income or 三保障
    record.
    """
    active = Q(**{f"{status}__in": Household.ACTIVE_STATUSES})
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
        "returned": Q(**{status: Status.RETURNED}),
        "exited": exited_in(year),
        "no_cadre": active & Q(cadre_on__isnull=True),
        "not_visited_30": active & ~visited_within(30),
        "not_visited_90": active & ~visited_within(90),
        "ledger_incomplete": active & ~ledger_complete,
    }


def persons_on(persons, day: datetime.date, today: datetime.date):
    """The ``persons`` who were members of their household on ``day``: not left by then and
    not joined after it (a birth, a marriage or move in, a split, by their member change)."""
    if day >= today:
        return persons.current()
    joined_later = MemberChange.objects.unscoped().filter(
        Q(person__left_on__isnull=True) | Q(date__lt=F("person__left_on")),
        person=OuterRef("pk"),
        kind__in=[*MemberChange.JOINING.values(), MemberChange.Kind.BIRTH],
        date__gt=day,
    )
    return persons.filter(Q(left_on__isnull=True) | Q(left_on__gt=day)).exclude(
        Exists(joined_later)
    )


@dataclass
class PlaceFigures:
    """The household figures of one township or village: each figure's count, the persons
    still in poverty, and both by attribute and main cause."""

    households: Counter = field(default_factory=Counter)
    persons: int = 0
    #: ((attribute id, name), (main cause id, name)) → [households, persons] still in poverty.
    breakdown: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def place_figures(
    households, persons, year: int, today: datetime.date, by_village: bool
) -> dict[str, PlaceFigures]:
    """{township (or village) code: its figures} of ``households`` and their ``persons`` in
    ``year``, as of its 31 December or today: two aggregate queries, whatever the number of
    places."""
    day = as_of(year, today)
    place = "village" if by_village else "village__parent"
    households = on_day(households, day, today)
    figures = household_figures(year, day)
    places: dict[str, PlaceFigures] = defaultdict(PlaceFigures)
    grouped = households.values(
        place, "attribute", "attribute__name", "main_cause", "main_cause__name"
    )
    for counts in grouped.annotate(
        **{name: Count("pk", filter=q) for name, q in figures.items()}
    ).order_by():
        entry = places[counts[place]]
        entry.households.update({name: counts[name] for name in figures})
        entry.breakdown[_key(counts, "")][0] += counts["in_poverty"]
    in_poverty = households.filter(figures["in_poverty"]).values("pk")
    members = (
        persons_on(persons, day, today)
        .filter(household__in=in_poverty)
        .values(
            f"household__{place}",
            "household__attribute",
            "household__attribute__name",
            "household__main_cause",
            "household__main_cause__name",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for counts in members:
        entry = places[counts[f"household__{place}"]]
        entry.persons += counts["n"]
        entry.breakdown[_key(counts, "household__")][1] += counts["n"]
    return places


@dataclass
class AreaRow:
    """The figures of one area: a row of the dashboard, or its total (``area`` None)."""

    area: Area | None
    #: The township's team, on a row that is a township.
    team: Team | None = None
    households: Counter = field(default_factory=Counter)
    persons: int = 0
    target: int | None = None
    six_haves_missing: int = 0
    #: Townships with households still in poverty and no team: a finding (§1).
    no_team: int = 0
    long_absent: int = 0
    overdue: int = 0

    @property
    def figures(self):
        """(name, count) of each household figure, in the order of the table."""
        return [(name, self.households[name]) for name in HOUSEHOLD_FIGURES]

    @property
    def is_township(self):
        return self.area is not None and self.area.level == Area.Level.TOWNSHIP

    @property
    def is_village(self):
        return self.area is not None and self.area.level == Area.Level.VILLAGE

    @property
    def target_met(self):
        return self.target is not None and self.households["exited"] >= self.target

    def add(self, other: "AreaRow"):
        self.households.update(other.households)
        self.persons += other.persons
        if other.target is not None:
            self.target = (self.target or 0) + other.target
        self.six_haves_missing += other.six_haves_missing
        self.no_team += other.no_team
        self.long_absent += other.long_absent
        self.overdue += other.overdue


@dataclass
class Dashboard:
    year: int
    day: datetime.date
    #: The day is today: every figure is current.
    current: bool
    #: When the household figures were taken, for a dashboard above a county (a snapshot,
    #: `township_figures`); None for figures computed for this page.
    taken_at: datetime.datetime | None
    #: The area the dashboard is of (None: every area, for an administrator), and the areas
    #: from the user's own down to it, for the links back up.
    area: Area | None
    trail: list[Area]
    absence_month: datetime.date
    rows: list[AreaRow]
    #: The township figures of a township's dashboard, whose rows are its villages.
    own: AreaRow
    #: ((attribute id, name), (main cause id, name)) → [households, persons] still in poverty.
    breakdown: dict
    funds: dict

    @property
    def child_level(self):
        """The level of the rows: the label of the first column."""
        return Area.Level(self.rows[0].area.level) if self.rows else None

    @property
    def totals(self):
        total = AreaRow(area=None)
        for row in [*self.rows, self.own]:
            total.add(row)
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


def dashboard_area(user, code: str | None) -> Area | None:
    """The area a dashboard is of: ``code`` if the user may see it and it is above the
    villages, else the user's own area (None for an administrator: every area)."""
    areas = Area.objects.visible_to(user).exclude(level=Area.Level.VILLAGE)
    if code and (area := areas.filter(code=code).first()):
        return area
    return user.scope_area


def visible_in(queryset, user, area: Area | None):
    """The rows of ``queryset`` ``user`` may see in ``area`` (None: all of them)."""
    visible = queryset.visible_to(user)
    return visible.in_area(area.code) if area else visible


def area_dashboard(user, area: Area | None, year: int, today: datetime.date) -> Dashboard:
    """The dashboard of ``area`` (in ``user``'s scope) for ``year``: one row per area one
    level down, each row the sum of the townships (or, under a township, the villages) in it.

    Every figure is one aggregate query grouped by township (or village) whatever the level,
    so a province costs the queries a county does, and the rows of every level add up."""
    day = as_of(year, today)
    children = Area.objects.visible_to(user).filter(parent=area).order_by("code")
    rows = {child.code: AreaRow(child) for child in children}
    own = AreaRow(area)
    by_village = area is not None and area.level == Area.Level.TOWNSHIP

    def row_of(code):
        """The row of the township or village ``code``; the dashboard's own for a township
        figure under a township."""
        return next((rows[part] for part in reversed(codes.ancestors(code)) if part in rows), own)

    def within(queryset):
        return visible_in(queryset, user, area)

    if area is None or area.level < Area.Level.COUNTY:
        snapshot, places, breakdown = township_figures(user, area, year, today)
    else:
        snapshot = None
        places = place_figures(
            within(Household.objects), within(Person.objects), year, today, by_village
        )
        breakdown = defaultdict(lambda: [0, 0])
        for place in places.values():
            for key, (households, persons) in place.breakdown.items():
                breakdown[key][0] += households
                breakdown[key][1] += persons
    in_poverty_by_township = Counter()
    for code, place in places.items():
        row = row_of(code)
        row.households.update(place.households)
        row.persons += place.persons
        in_poverty_by_township[codes.township_of(code)] += place.households["in_poverty"]

    for target in within(ExitTarget.objects).filter(year=year):
        row = row_of(target.township_id)
        row.target = (row.target or 0) + target.households

    teams = list(within(Team.objects))
    missing = six_haves_missing(teams)
    for team in teams:
        row = row_of(team.township_id)
        if row.is_township:
            row.team = team
        row.six_haves_missing += missing[team.pk]
    for township in in_poverty_by_township.keys() - {team.township_id for team in teams}:
        if in_poverty_by_township[township]:
            row_of(township).no_team += 1

    month = absence_month(user, day)
    members = within(Member.objects)
    for member in long_absences(members, until=month):
        row_of(member.team.township_id).long_absent += 1

    overdue = (
        within(Rectification.objects)
        .overdue(day)
        .values("inspection__team__township")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for counts in overdue:
        row_of(counts["inspection__team__township"]).overdue += counts["n"]

    return Dashboard(
        year=year,
        day=day,
        current=day >= today,
        taken_at=snapshot and snapshot.taken_at,
        area=area,
        trail=_trail(user, area),
        absence_month=month,
        rows=list(rows.values()),
        own=own,
        breakdown=dict(breakdown),
        funds=fund_figures(within(Project.objects), row_of),
    )


def township_figures(user, area: Area | None, year: int, today: datetime.date):
    """(the snapshot, {township code: `PlaceFigures`}, the breakdown) of the townships
    ``user`` sees in ``area``, from the year's snapshot: taken now if the year has none, else
    the one there is, and a fresh one asked of the worker if it is older than
    FIGURES_SNAPSHOT_MINUTES or of another day. The breakdown is summed by the database."""
    snapshot = FiguresSnapshot.objects.filter(year=year).first()
    if snapshot is None:
        snapshot = take_snapshot(year, today)
    elif snapshot.day != as_of(year, today) or snapshot.taken_at < timezone.now() - _max_age():
        _ask_refresh(snapshot)
    db = snapshot._state.db
    rows = visible_in(TownshipFigures.objects.using(db).filter(snapshot=snapshot), user, area)
    places = {
        township: PlaceFigures(Counter(figures), persons)
        for township, figures, persons in rows.values_list("township", "households", "persons")
    }
    sums = (
        visible_in(TownshipBreakdown.objects.using(db).filter(snapshot=snapshot), user, area)
        .values("attribute", "attribute__name", "main_cause", "main_cause__name")
        .annotate(households=Sum("households"), persons=Sum("persons"))
        .order_by()
    )
    breakdown = {_key(row, ""): [row["households"], row["persons"]] for row in sums}
    return snapshot, places, breakdown


def take_snapshot(year: int, today: datetime.date) -> FiguresSnapshot:
    """Compute every township's figures of ``year`` and replace the year's snapshot with them."""
    taken_at, day = timezone.now(), as_of(year, today)
    places = place_figures(
        Household.objects.unscoped(), Person.objects.unscoped(), year, today, by_village=False
    )
    with transaction.atomic():
        snapshot, _created = FiguresSnapshot.objects.select_for_update().get_or_create(
            year=year, defaults={"day": day, "taken_at": taken_at}
        )
        snapshot.townships.all().delete()
        snapshot.breakdown.all().delete()
        TownshipFigures.objects.bulk_create(
            TownshipFigures(
                snapshot=snapshot,
                township_id=code,
                households=dict(place.households),
                persons=place.persons,
            )
            for code, place in places.items()
        )
        TownshipBreakdown.objects.bulk_create(
            (
                TownshipBreakdown(
                    snapshot=snapshot,
                    township_id=code,
                    attribute_id=attribute,
                    main_cause_id=cause,
                    households=households,
                    persons=persons,
                )
                for code, place in places.items()
                for ((attribute, _a), (cause, _c)), (households, persons) in place.breakdown.items()
            ),
            batch_size=5_000,
        )
        snapshot.day, snapshot.taken_at, snapshot.requested_at = day, taken_at, None
        snapshot.save()
    return snapshot


@task()
def refresh_figures(year: int) -> None:
    """The worker's task: a fresh snapshot of ``year``."""
    take_snapshot(year, timezone.localdate())


def _max_age():
    return datetime.timedelta(minutes=settings.FIGURES_SNAPSHOT_MINUTES)


def _ask_refresh(snapshot: FiguresSnapshot) -> None:
    """Ask the worker for a fresh snapshot of the year, unless one was asked for recently."""
    now = timezone.now()
    asked = FiguresSnapshot.objects.filter(
        Q(requested_at__isnull=True) | Q(requested_at__lt=now - _max_age()), pk=snapshot.pk
    ).update(requested_at=now)
    if asked:
        refresh_figures.enqueue(snapshot.year)
        snapshot.refresh_from_db()


def _trail(user, area: Area | None) -> list[Area]:
    """The areas from the user's own down to ``area``, for the links back up."""
    if area is None:
        return []
    own = scope_of(user) or ""
    above = [code for code in codes.ancestors(area.code)[:-1] if code.startswith(own)]
    if not above:
        return [area]
    return [*Area.objects.visible_to(user).filter(code__in=above).order_by("code"), area]


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


def fund_figures(projects, row_of) -> dict:
    """Funds budgeted and paid and flagged projects per row of the dashboard, for
    `_funds.html`: {area code: {"area": the area, "budgeted": yuan, "paid": yuan, "flags":
    projects raising a supervision flag}}, from the supervision totals of the ledgers app per
    township, summed into the row (``row_of``) each township belongs to."""
    funds: dict = {}
    for row in fund_summary(projects)["townships"]:
        area = row_of(row["township"].code).area or row["township"]
        figures = funds.setdefault(area.code, {"area": area, "budgeted": 0, "paid": 0, "flags": 0})
        figures["budgeted"] += row["budget"]
        figures["paid"] += row["paid"]
        figures["flags"] += row["flagged"]
    return funds


def chart_rows(dashboard: Dashboard):
    """(area name, [still in poverty less returned, returned, exited]) for the chart."""
    return [
        (
            row.area.name,
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
        title=_("Households of each %(level)s, %(year)s")
        % {"level": (dashboard.child_level or Area.Level.TOWNSHIP).label, "year": dashboard.year},
        description=_("Registered, back in poverty and exited in the year, per area."),
        series=[
            (Status.REGISTERED.label, MAP_STATUSES[Status.REGISTERED]),
            (Status.RETURNED.label, MAP_STATUSES[Status.RETURNED]),
            (_("Exited in the year"), MAP_STATUSES[Status.EXITED]),
        ],
        rows=chart_rows(dashboard),
        bar_space=480,
    )
