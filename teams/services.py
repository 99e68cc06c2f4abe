"""Workflows of the teams app: loading the division-code tree, the 六有 status of teams,
presence of stationed cadres and the coverage of villages by work groups."""

import csv
import datetime
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from teams import codes
from teams.models import (
    Area,
    Member,
    MemberQuerySet,
    Presence,
    SixHavesCheck,
    SixHavesItem,
    Team,
    User,
    add_months,
)


class AreaFileError(Exception):
    """The file has bad rows; ``errors`` lists (line number, message) for every one."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__(_("%(count)d invalid rows") % {"count": len(errors)})
        self.errors = errors


@dataclass
class AreaLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


#: The header names of the two columns the division file needs, as published or as English.
AREA_COLUMNS = {
    "code": ("code", "统计用区划代码", "区划代码", "代码"),
    "name": ("name", "名称", "单位名称"),
}
#: Rows looked up or written at a time: SQLite takes at most 999 parameters a statement.
AREA_BATCH = 900


def read_area_csv(data: bytes) -> list[tuple[int, str, str]]:
    """Rows (line number, code, name) of a division CSV in UTF-8 or GB18030 (Excel): a
    header naming the code and name columns (code,name or the published 统计用区划代码,名称),
    in any order, other columns ignored (the urban-rural classification, say)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = ["".join(cell.split()).lower() for cell in next(reader, [])]
    found = {
        key: next((i for i, cell in enumerate(header) if cell in names), None)
        for key, names in AREA_COLUMNS.items()
    }
    code, name = found["code"], found["name"]
    if code is None or name is None:
        raise AreaFileError([(1, _("The first line must be the header “code,name”."))])
    width = max(code, name) + 1
    return [
        (reader.line_num, padded[code], padded[name])
        for row in reader
        if any(cell.strip() for cell in row)
        for padded in [row + [""] * (width - len(row))]
    ]


def _in_batches(queryset: QuerySet[Area], keys: Iterable[str]) -> Iterator[Area]:
    keys = list(keys)
    for start in range(0, len(keys), AREA_BATCH):
        yield from queryset.filter(code__in=keys[start : start + AREA_BATCH])


@transaction.atomic
def areas_load(*, rows: list[tuple[int, str, str]]) -> AreaLoadResult:
    """Add new areas and rename known ones; write nothing when any row is bad.

    Every bad row is reported with its line number: a code that is not 2/4/6/9/12 digits, an
    empty name, a code twice in the file, or a code whose parent is neither known nor in the file.
    The townships of a city without counties (东莞 4419, 中山 4420, 儋州 4604: county digits
    00) are put under a county-level area of the city's code and name, as the statistics do.
    """
    errors = []
    parsed: dict[str, tuple[int, str]] = {}
    for line, raw_code, raw_name in rows:
        code, name = codes.significant(raw_code), raw_name.strip()
        if code is None:
            errors.append(
                (
                    line,
                    _("“%(code)s” is not a division code of 2, 4, 6, 9 or 12 digits.")
                    % {"code": raw_code},
                )
            )
            continue
        if not name:
            errors.append((line, _("Area %(code)s has no name.") % {"code": raw_code}))
            continue
        if code in parsed:
            errors.append(
                (
                    line,
                    _("Code %(code)s appears again; first on line %(first)d.")
                    % {"code": raw_code, "first": parsed[code][0]},
                )
            )
            continue
        parsed[code] = (line, name)

    parent_codes = {parent for code in parsed if (parent := codes.parent(code))}
    parent_codes |= {
        codes.city_of(code)
        for code in parent_codes
        if len(code) == codes.COUNTY and code.endswith("00")
    }
    existing = {
        area.code: area.name
        for area in _in_batches(Area.objects.only("name"), parent_codes - parsed.keys())
    }
    for code in sorted(parent_codes - parsed.keys() - existing.keys()):
        city = codes.city_of(code)
        county_of_a_city = len(code) == codes.COUNTY and code.endswith("00")
        if county_of_a_city and (city in parsed or city in existing):
            # A city without counties: its county level is the city itself.
            name = parsed[city][1] if city in parsed else existing[city]
            township_line = min(line for c, (line, _n) in parsed.items() if c.startswith(code))
            parsed[code] = (township_line, name)
    for code, (line, _name) in parsed.items():
        parent = codes.parent(code)
        if parent and parent not in parsed and parent not in existing:
            errors.append(
                (
                    line,
                    _("The %(level)s %(parent)s, above %(code)s, is neither in the file nor known.")
                    % {
                        "level": Area.CODE_LENGTHS[len(parent)].label,
                        "parent": parent,
                        "code": code,
                    },
                )
            )
    if errors:
        raise AreaFileError(sorted(errors))

    result = AreaLoadResult(codes=sorted(parsed))
    order = sorted(parsed, key=lambda c: (len(c), c))  # parents before their children
    for start in range(0, len(order), AREA_BATCH):
        batch = order[start : start + AREA_BATCH]
        known = {area.code: area for area in Area.objects.filter(code__in=batch)}
        new, renamed = [], []
        for code in batch:
            name = parsed[code][1]
            if code not in known:
                new.append(
                    Area(
                        code=code,
                        name=name,
                        level=Area.CODE_LENGTHS[len(code)],
                        parent_id=codes.parent(code),
                    )
                )
            elif known[code].name != name:
                known[code].name = name
                renamed.append(known[code])
            else:
                result.unchanged += 1
        Area.objects.bulk_create(new)
        Area.objects.bulk_update(renamed, ["name"])
        result.created += len(new)
        result.updated += len(renamed)
    return result


@dataclass
class SixHavesStatus:
    """Where a team stands on one 六有 item."""

    item: SixHavesItem
    latest: SixHavesCheck | None
    #: When it is missing: the first check that found it missing with no later check finding it
    #: met. None when met or never checked.
    missing_since: datetime.date | None

    @property
    def met(self) -> bool:
        return self.latest is not None and self.latest.met


def six_haves_status(teams: Iterable[Team]) -> dict[int, list[SixHavesStatus]]:
    """Each team's standing on every 六有 item (docs/domain.md §3.1), in two queries.

    An item never checked counts as not met: a team shows that it has its 六有 by a check.
    """
    items, latest, since = _six_haves_checks(teams)
    return {
        team.pk: [
            SixHavesStatus(item, latest.get((team.pk, item.pk)), since.get((team.pk, item.pk)))
            for item in items
        ]
        for team in teams
    }


def six_haves_missing(teams: Iterable[Team]) -> dict[int, int]:
    """How many 六有 items each team lacks, as `six_haves_status` judges them (two queries)."""
    items, latest, _since = _six_haves_checks(teams)
    met = Counter(team for (team, _item), check in latest.items() if check.met)
    return {team.pk: len(items) - met[team.pk] for team in teams}


def _six_haves_checks(
    teams: Iterable[Team],
) -> tuple[
    list[SixHavesItem],
    dict[tuple[int, int], SixHavesCheck],
    dict[tuple[int, int], datetime.date],
]:
    """(the items, (team, item) → latest check, (team, item) → missing since)."""
    items = list(SixHavesItem.objects.all())
    latest: dict[tuple[int, int], SixHavesCheck] = {}
    since: dict[tuple[int, int], datetime.date] = {}
    checks = SixHavesCheck.objects.filter(team__in=teams).select_related("checked_by")
    for check in checks.order_by("checked_on", "pk"):
        key = (check.team_id, check.item_id)
        latest[key] = check
        if check.met:
            since.pop(key, None)
        else:
            since.setdefault(key, check.checked_on)
    return items, latest, since


def stationed_members(team: Team, month: datetime.date) -> QuerySet[Member]:
    """The team's stationed cadres and village work team captains serving in ``month``."""
    return team.members.filter(
        Q(left__isnull=True) | Q(left__gte=month),
        source__in=Presence.STATIONED_SOURCES,
        joined__lt=add_months(month, 1),
    ).select_related("unit")


@transaction.atomic
def presence_record(
    *, month: datetime.date, days: dict[Member, int | None], user: User | None
) -> tuple[int, int]:
    """Record a month's days on site for several stationed cadres at once.

    A blank (None) removes the month's entry. Returns (entries saved, entries removed).
    """
    saved = removed = 0
    for member, value in days.items():
        if value is None:
            removed += Presence.objects.filter(member=member, month=month).delete()[0]
        else:
            Presence.objects.update_or_create(
                member=member, month=month, defaults={"days_on_site": value, "entered_by": user}
            )
            saved += 1
    return saved, removed


def long_absences(members: MemberQuerySet, *, until: datetime.date) -> QuerySet[Member]:
    """Stationed cadres on site fewer than PRESENCE_MIN_DAYS days in each of the
    PRESENCE_ABSENT_MONTHS months up to ``until``: long absent (docs/domain.md §4), so the head of
    their dispatching unit answers for it. A month without an entry proves nothing either way
    and breaks the run.

    Each cadre carries ``recent``: the entries of those months.
    """
    start = add_months(until, 1 - settings.PRESENCE_ABSENT_MONTHS)
    window = Q(presences__month__gte=start, presences__month__lte=until)
    return (
        members.current()
        .filter(source__in=Presence.STATIONED_SOURCES)
        .annotate(
            short_months=Count(
                "presences",
                filter=window & Q(presences__days_on_site__lt=settings.PRESENCE_MIN_DAYS),
            )
        )
        .filter(short_months=settings.PRESENCE_ABSENT_MONTHS)
        .select_related("unit", "team__township")
        .prefetch_related(
            Prefetch(
                "presences",
                queryset=Presence.objects.filter(month__gte=start, month__lte=until),
                to_attr="recent",
            )
        )
        .order_by("team__township_id", "name")
    )


def uncovered_villages(team: Team) -> QuerySet[Area]:
    """The villages of the team's township that no work group of the team covers (分组包片)."""
    return Area.objects.filter(parent_id=team.township_id, level=Area.Level.VILLAGE).exclude(
        work_groups__team=team
    )
