"""Matching an outside list against a county's registry (七不进, 不漏一户).

`crosscheck_import` reads the list (any file the roster import reads), normalises its ID
numbers as the roster import does and keeps each only as its keyed hash. It works through the
list a chunk at a time, so a million-row list runs in bounded memory:

- on an *excluding* list (vehicles, property, payroll, companies, deaths), every current member
  of a household of the county that is registered, back in poverty or being identified is a
  finding, with the row's detail (plate number, address, employer ...);
- on an *including* list (低保, 特困, disability, low income), every person who is in no
  household of the registry at all is a lead for the township the list names (else the
  county), kept masked.

A finding already waiting for review is not raised twice. Rows that cannot be read are
reported by row; a list with no readable row writes nothing.
"""

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from households.idnumber import mask_id_number, normalise_id_number
from households.models import Finding, Household, ListKind, OutsideList, Person
from households.roster.plan import in_batches
from households.roster.reading import FOOTER, HEADER_SEARCH_ROWS, RosterRefused, SheetFile
from households.roster.rules import area_key
from households.sensitive import keyed_hasher
from teams.models import Area, User

#: Header names of the columns a list must or may have; every other named column is detail.
ID_HEADERS = {"证件号码", "身份证号", "身份证号码", "公民身份号码", "身份证件号码", "证件号"}
NAME_HEADERS = {"姓名", "名字"}
TOWNSHIP_HEADERS = {"乡镇", "镇", "乡镇（街道）", "乡镇(街道)", "镇（街道）", "所属乡镇"}
CHUNK = 20_000
#: Households whose members an excluding list concerns: those the registry helps or may.
CHECKED_STATUSES = [*Household.ACTIVE_STATUSES, Household.Status.IDENTIFYING]


class ListRefused(RosterRefused):
    """The list was not read; nothing was written. ``problems`` are its bad rows, if any."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class ListReport:
    outside_list: OutsideList
    rows: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (row, message)


@dataclass(frozen=True)
class Layout:
    """Where a sheet's columns are: the ID number, the name, the township, the details."""

    at_id: int
    at_name: int | None
    at_township: int | None
    details: list[tuple[int, str]]


@dataclass(frozen=True)
class ListRow:
    """A readable row. Only its hash is compared; the rest is read from its cells for the few
    rows that become findings (a million-row list has few)."""

    id_hash: str
    id_number: str
    cells: list
    layout: Layout

    def text(self, index):
        return (
            str(self.cells[index]).strip() if index is not None and index < len(self.cells) else ""
        )

    @property
    def name(self):
        return self.text(self.layout.at_name)

    @property
    def township(self):
        return self.text(self.layout.at_township)

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def detail(self):
        pairs = ((name, self.text(index)) for index, name in self.layout.details)
        return "；".join(f"{name}：{value}" for name, value in pairs if value)[:300]


class ListFile(SheetFile):
    """An outside list: every visible sheet whose header (within its first rows) names an ID
    number column; the other named columns are kept as the row's detail."""

    def max_rows(self):
        return settings.CROSSCHECK_MAX_ROWS

    def max_bytes(self):
        return settings.CROSSCHECK_MAX_BYTES

    def rows(self, problems) -> Iterator[ListRow]:
        hasher = keyed_hasher()
        today = timezone.localdate()
        found = False
        for sheet, rows in self.raw_sheets():
            rows = iter(rows)
            layout = None
            for number, cells in rows:
                layout = _header(cells)
                if layout or number >= HEADER_SEARCH_ROWS:
                    break
            if not layout:
                continue
            found = True
            at_id = layout.at_id
            for number, cells in rows:
                raw = cells[at_id] if at_id < len(cells) else ""
                try:
                    id_number, _repairs = normalise_id_number(raw, today)
                except ValidationError as error:
                    # Only a row without a readable number can be blank, a repeated header or
                    # a totals or signature row: skipped; anything else is reported.
                    texts = [str(cell).strip() for cell in cells]
                    if any(texts) and not _header(cells) and not any(map(FOOTER.match, texts)):
                        where = _("%(sheet)s row %(row)s") % {"sheet": sheet, "row": number}
                        problems.append((where, " ".join(error.messages)))
                    continue
                yield ListRow(hasher(id_number), id_number, cells, layout)
        if not found:
            raise ListRefused(
                _("No header row was found: the list needs an ID number column (证件号码).")
            )


def _header(cells):
    """The `Layout` of a header row, or None."""
    names = ["".join(str(cell).split()).strip("*＊") for cell in cells]
    at_id = next((i for i, name in enumerate(names) if name in ID_HEADERS), None)
    if at_id is None:
        return None
    at_name = next((i for i, name in enumerate(names) if name in NAME_HEADERS), None)
    at_township = next((i for i, name in enumerate(names) if name in TOWNSHIP_HEADERS), None)
    details = [
        (i, name)
        for i, name in enumerate(names)
        if name and i not in (at_id, at_name, at_township) and name not in {"序号", "编号"}
    ]
    return Layout(at_id, at_name, at_township, details)


def mask_name(name: str) -> str:
    """A lead's name as a finding shows it: the surname and stars (张**)."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def crosscheck_import(
    path,
    *,
    kind: ListKind,
    county: Area,
    as_of: datetime.date,
    user: User | None = None,
    file_name: str = "",
) -> ListReport:
    """Match the list at ``path`` against ``county``'s registry; see the module."""
    problems: list[tuple[str, str]] = []
    townships = {
        area_key(area.name): area
        for area in Area.objects.unscoped().filter(parent=county, level=Area.Level.TOWNSHIP)
    }
    with ListFile(path) as sheet, transaction.atomic():
        outside = OutsideList.objects.create(
            kind=kind, county=county, as_of=as_of, file_name=file_name[:200], imported_by=user
        )
        report = ListReport(outside)
        rows = sheet.rows(problems)
        while chunk := list(itertools.islice(rows, CHUNK)):
            report.rows += len(chunk)
            if kind.effect == ListKind.Effect.EXCLUDING:
                findings = _matches(outside, chunk)
                outside.matched += len(findings)
            else:
                findings = _leads(outside, chunk, townships)
                outside.leads += len(findings)
            bulk_create_with_history(findings, Finding, batch_size=5_000, default_user=user)
        report.problems = problems
        if not report.rows:
            transaction.set_rollback(True)
            raise ListRefused(
                _("No row of the list could be read; nothing was imported."), problems
            )
        outside.rows = report.rows
        outside.save(update_fields=["rows", "matched", "leads"])
    return report


def _matches(outside: OutsideList, chunk: list[ListRow]) -> list[Finding]:
    """The findings of an excluding list's rows: one per current member matched."""
    by_hash = {row.id_hash: row for row in chunk}
    members = (
        Person.objects.unscoped()
        .current()
        .filter(
            household__village__code__startswith=outside.county_id,
            household__status__in=CHECKED_STATUSES,
        )
        .values_list("pk", "household_id", "household__village_id", "id_number_hash")
    )
    persons = [
        person for batch in in_batches(members, "id_number_hash", list(by_hash)) for person in batch
    ]
    pending = set(
        Finding.objects.unscoped()
        .pending()
        .filter(kind=outside.kind.code, person__in=[pk for pk, *_rest in persons])
        .values_list("person_id", flat=True)
    )
    today = timezone.localdate()
    return [
        Finding(
            area_id=village[:9],
            kind=outside.kind.code,
            outside_list=outside,
            household_id=household,
            person_id=pk,
            detail=by_hash[id_hash].detail,
            found_on=today,
        )
        for pk, household, village, id_hash in persons
        if pk not in pending
    ]


def _leads(outside: OutsideList, chunk: list[ListRow], townships: dict[str, Area]) -> list[Finding]:
    """The findings of an including list's rows: one per person in no household at all."""
    hashes = list({row.id_hash for row in chunk})
    registered = {
        value
        for batch in in_batches(
            Person.objects.unscoped().current().values_list("id_number_hash", flat=True),
            "id_number_hash",
            hashes,
        )
        for value in batch
    }
    pending = set(
        Finding.objects.unscoped()
        .pending()
        .filter(kind=outside.kind.code, id_number_hash__in=hashes)
        .values_list("id_number_hash", flat=True)
    )
    today, seen, leads = timezone.localdate(), set(), []
    for row in chunk:
        if row.id_hash in registered or row.id_hash in pending or row.id_hash in seen:
            continue
        seen.add(row.id_hash)
        township = townships.get(area_key(row.township)) if row.township else None
        leads.append(
            Finding(
                area_id=township.code if township else outside.county_id,
                kind=outside.kind.code,
                outside_list=outside,
                masked_id_number=row.masked_id,
                masked_name=mask_name(row.name),
                id_number_hash=row.id_hash,
                found_on=today,
            )
        )
    return leads


class ReviewError(ValueError):
    """The review was refused; the message is for the user."""


def finding_review(
    finding: Finding, *, confirmed: bool, reason: str, by: User, reviewed_on: datetime.date
) -> Finding:
    """A person's review of a finding: confirmed (the household is flagged for the county and,
    on an excluding list, held from registration) or dismissed, always with the reason; the
    history keeps every review. A finding the data no longer shows cannot be reviewed."""
    if finding.state == Finding.State.CLEARED:
        raise ReviewError(_("This finding is no longer found in the data."))
    if not reason.strip():
        raise ReviewError(_("Say what the review found (for example: the car was sold in 2025)."))
    if reviewed_on > timezone.localdate():
        raise ReviewError(_("This date is in the future."))
    finding.state = Finding.State.CONFIRMED if confirmed else Finding.State.DISMISSED
    finding.reason = reason.strip()
    finding.reviewed_by = by
    finding.reviewed_on = reviewed_on
    finding.save()
    return finding
