"""The division of work seen from the households (分组包片, 帮扶责任人; docs/domain.md §3.3) and the
攻坚图, the chart of a township's dispersed poor households by village, status and cause (and of
a county's by township).

The teams app cannot see households (imports run teams ← households), so what needs both lives
here. Every number comes from one query per kind of row, whatever the number of households or
villages.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from households.models import Household
from teams.models import Area, Member, Team, WorkGroup
from teams.services import uncovered_villages

Status = Household.Status


@dataclass
class CadreLoad:
    """A current cadre of the team and the households still in poverty they are linked to."""

    cadre: Member
    households: list[Household] = field(default_factory=list)

    @property
    def is_overloaded(self):
        return len(self.households) > settings.MAX_HOUSEHOLDS_PER_CADRE


@dataclass
class Coverage:
    #: Households still in poverty with no current contact cadre of the team.
    unlinked: list[Household]
    #: Every current cadre, the most loaded first.
    cadres: list[CadreLoad]
    #: Each work group with its villages and their households still in poverty.
    groups: list[tuple[WorkGroup, list[tuple[Area, int]]]]
    #: Villages no work group covers, with their households still in poverty.
    uncovered: list[tuple[Area, int]]

    @property
    def overloaded(self):
        return [load for load in self.cadres if load.is_overloaded]


def team_coverage(team: Team, households) -> Coverage:
    """Who covers the township's households still in poverty (已建档, 返贫).

    不脱贫不脱钩 (粤扶办〔2016〕98号 §3.3): each of them needs a current contact cadre of the
    team, so a household linked to nobody, or to a cadre who has left the team, is a finding;
    so is a cadre linked to more than MAX_HOUSEHOLDS_PER_CADRE households, and a village no
    group covers. ``households`` are those of the township the user may see.
    """
    cadres = {member.pk: CadreLoad(member) for member in team.members.current().order_by("name")}
    active = (
        households.filter(status__in=Household.ACTIVE_STATUSES)
        .select_related("village")
        .with_head()
        .order_by("number")
    )
    unlinked, per_village = [], Counter()
    for household in active:
        per_village[household.village_id] += 1
        if household.contact_cadre_id in cadres:
            cadres[household.contact_cadre_id].households.append(household)
        else:
            unlinked.append(household)
    groups = team.work_groups.prefetch_related(
        Prefetch("villages", Area.objects.order_by("code")),
        Prefetch("members", Member.objects.order_by("name")),
    )
    return Coverage(
        unlinked=unlinked,
        cadres=sorted(cadres.values(), key=lambda load: -len(load.households)),
        groups=[
            (group, [(village, per_village[village.code]) for village in group.villages.all()])
            for group in groups
        ],
        uncovered=[
            (village, per_village[village.code])
            for village in uncovered_villages(team).order_by("code")
        ],
    )


# The 攻坚图: horizontal bar charts drawn server-side as SVG by `households/_bar_chart.html`.

#: The statuses the chart stacks, in this order, with their colours; cancelled ones are left out.
MAP_STATUSES = {
    Status.IDENTIFYING: "#7b8794",
    Status.REGISTERED: "#b42318",
    Status.EXITED: "#137333",
    Status.RETURNED: "#d97706",
}
CAUSE_COLOUR = "#1c5fb8"
#: Geometry of a chart in SVG user units: the bars' longest is ``bar_space`` long.
LABEL_WIDTH, ROW_HEIGHT, HEAD, FOOT = 130, 26, 62, 30


@dataclass
class Segment:
    x: int
    width: int
    colour: str
    count: int
    series: str

    @property
    def shows_count(self):
        # Room for the digits inside the bar; the table beside the chart has every number.
        return self.width >= 10 * len(str(self.count)) + 4


@dataclass
class Bar:
    y: int
    label: str
    #: One count per series, zeros included (the table shows them all).
    counts: list[int]
    segments: list[Segment]

    @property
    def total(self):
        return sum(self.counts)

    @property
    def end(self):
        return self.segments[-1].x + self.segments[-1].width if self.segments else LABEL_WIDTH


@dataclass
class Chart:
    title: str
    description: str
    bars: list[Bar]
    legend: list[tuple[int, str, str]]
    bar_space: int
    label_width: int = LABEL_WIDTH

    @property
    def width(self):
        # Room after the longest bar for its total.
        return self.label_width + self.bar_space + 50

    @property
    def total(self):
        return sum(bar.total for bar in self.bars)

    @property
    def series_totals(self):
        return [sum(bar.counts[index] for bar in self.bars) for index in range(len(self.legend))]

    @property
    def height(self):
        return HEAD + ROW_HEIGHT * len(self.bars) + FOOT

    @property
    def total_y(self):
        return self.height - 10


def bar_chart(
    *,
    title: str,
    description: str,
    series: list[tuple[str, str]],
    rows: list[tuple[str, list[int]]],
    bar_space: int,
) -> Chart:
    """Stacked horizontal bars: ``series`` are (label, colour), each row (label, counts)."""
    longest = max((sum(counts) for _label, counts in rows), default=0)
    scale = bar_space / longest if longest else 0
    bars = []
    for index, (label, counts) in enumerate(rows):
        x, segments = LABEL_WIDTH, []
        for (name, colour), count in zip(series, counts, strict=True):
            if count:
                width = max(round(count * scale), 1)
                segments.append(Segment(x, width, colour, count, name))
                x += width
        bars.append(Bar(HEAD + index * ROW_HEIGHT, label, counts, segments))
    legend, x = [], 0
    for name, colour in series:
        legend.append((x, colour, name))
        x += 26 + 14 * len(name)
    return Chart(
        title=title,
        description=description,
        bars=bars,
        legend=legend,
        bar_space=bar_space,
    )


#: What the bars of an area's chart are: the areas one level down, found from a household.
BAR_AREAS = {Area.Level.TOWNSHIP: "village", Area.Level.COUNTY: "village__parent"}


def status_chart(area: Area, households, day: datetime.date) -> Chart:
    """Households of each village of a township (or each township of a county) by status,
    cancelled ones left out."""
    below = BAR_AREAS[area.level]
    counts = defaultdict(Counter)
    rows = (
        households.filter(status__in=list(MAP_STATUSES))
        .values(below, "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row[below]][row["status"]] = row["n"]
    return bar_chart(
        title=_("%(area)s 攻坚图 · %(date)s") % {"area": area.name, "date": f"{day:%Y-%m-%d}"},
        description=_("Poor households of each area by status; cancelled ones not shown."),
        series=[(Status(status).label, colour) for status, colour in MAP_STATUSES.items()],
        rows=[
            (child.name, [counts[child.code][status] for status in MAP_STATUSES])
            for child in area.children.order_by("code")
        ],
        bar_space=520,
    )


def cause_chart(area: Area, households) -> Chart:
    """Households still in poverty (已建档, 返贫) by main cause, the commonest first."""
    rows = (
        households.filter(status__in=Household.ACTIVE_STATUSES)
        .values("main_cause__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "main_cause__name")
    )
    return bar_chart(
        title=_("%(area)s: households still in poverty by main cause") % {"area": area.name},
        description=_("Registered and back-in-poverty households by their main cause."),
        series=[(_("Households still in poverty"), CAUSE_COLOUR)],
        rows=[(row["main_cause__name"] or _("Not recorded"), [row["n"]]) for row in rows],
        bar_space=280,
    )
