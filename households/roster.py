"""The household roster (花名册) import: read, normalise, validate, plan and write, all or nothing.

The format is described in docs/roster.md: one row per person, the header found by its names,
household fields on the head's row, values mapped through the reference lists and their
synonyms. Every problem of the file is reported at once, with its Excel row; when there is any,
nothing is written. Households are matched by household number and persons by the keyed hash
of their ID number, so importing the same file twice changes nothing. The file itself is
checked and read by `households.roster_files`.
"""

import datetime
import difflib
import gc
import hashlib
import itertools
import json
import operator
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Lookup
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from households.bulk import BulkWriter, any_array
from households.idnumber import (
    FULL_WIDTH,
    REPAIR_APOSTROPHE,
    REPAIR_FULL_WIDTH,
    REPAIR_INVISIBLE,
    REPAIR_LOWERCASE_X,
    REPAIR_NUMBER_15,
    REPAIR_SPACES,
    REPAIR_UPGRADED,
    birth_date,
    is_male,
    mask_id_number,
    normalise_id_number,
    tidy,
)
from households.models import (
    CadreAssignment,
    Household,
    MemberChange,
    Person,
    ReferenceItem,
    StatusChange,
)
from households.roster_files import (
    COLUMNS,
    HOUSEHOLD_REFERENCES,
    PERSON_REFERENCES,
    SEALED_REFERENCES,
    STRIDE,
    RosterFile,
    RosterRefused,
)
from households.sensitive import keyed_hasher, mask_all, mask_phone, sealer
from teams import codes
from teams.models import Area, Member

#: The suffixes of registered names that rosters leave out, and what stands for them there:
#: the division list says 墩背村民委员会 or 墩背村委会, a roster 墩背村.
AREA_SUFFIXES = [
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    ("街道办事处", "街道"),
    ("人民政府", ""),
]


def area_key(name: str) -> str:
    """A township or village name as rosters and the division list both can be matched by:
    without whitespace, the registered suffix shortened the way rosters write it."""
    key = "".join(str(name).split())
    for suffix, short in AREA_SUFFIXES:
        if key.endswith(suffix):
            return key.removesuffix(suffix) + short
    return key


REQUIRED_COLUMNS = ["number", "name", "id_number", "relation", "attribute", "main_cause"]


def person_field(key):
    """The Person field of a person reference column."""
    return key if key in SEALED_REFERENCES else f"{key}_id"


#: The fields of a registered person that the roster may change, besides the name.
PERSON_CHANGES = ["relation_id", *map(person_field, PERSON_REFERENCES)]
#: The columns of a new person, before its reference fields (see PersonRow.stored).
PERSON_COLUMNS = [
    "name",
    "id_number",
    "id_number_hash",
    "relation_id",
    "is_head",
    "sex",
    "birth_date",
]
SEPARATORS = re.compile(r"[、,，;；\s]+")
HOUSEHOLD_NUMBER = re.compile(r"[0-9]{17}")  # ASCII only: \d also takes other scripts' digits
PHONE = re.compile(r"[\d\-+ ()]{5,20}")
DATE = re.compile(r"([0-9]{4})(?:[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))")
REPAIR_PHONE_NUMBER = "phone_number"
REPAIRS = {
    REPAIR_SPACES: gettext_lazy("spaces around values removed"),
    REPAIR_FULL_WIDTH: gettext_lazy("full-width digits converted"),
    REPAIR_LOWERCASE_X: gettext_lazy("lowercase x check characters capitalised"),
    REPAIR_UPGRADED: gettext_lazy("15-digit ID numbers upgraded to 18 digits"),
    REPAIR_PHONE_NUMBER: gettext_lazy("phone numbers stored as numbers converted to text"),
    REPAIR_INVISIBLE: gettext_lazy("invisible characters (zero-width spaces) removed"),
    REPAIR_APOSTROPHE: gettext_lazy("leading apostrophes removed"),
    REPAIR_NUMBER_15: gettext_lazy("15-digit ID numbers stored as numbers read as text"),
}
BATCH = 2000
CHUNK = 10_000  # rows parsed, checked and written at a time


@dataclass(frozen=True)
class Problem:
    row: int | None  # in its sheet
    column: str
    value: str
    message: str
    sheet: str = ""  # in a file of several data sheets
    key: int = field(default=0, compare=False)  # the row key, for the order of the report

    def as_dict(self):
        return {
            "row": self.row,
            "sheet": self.sheet,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(slots=True)
class PersonRow:
    row: int
    number: str
    name: str
    id_number: str
    id_hash: str
    relation: ReferenceItem
    values: dict  # person reference fields present in the file: field → item id or None
    stored: tuple  # the columns of PERSON_COLUMNS, for a new person


@dataclass(slots=True)
class HouseholdRow:
    row: int
    number: str
    village: str | None = None
    values: dict = field(default_factory=dict)  # household fields present in the file
    other_causes: frozenset | None = None


@dataclass(slots=True)
class Move:
    """A registered person the roster lists in another household."""

    row: int
    pk: int
    name: str
    from_pk: int
    from_number: str
    to_number: str


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class RosterReport:
    """What an import found and did; ``problems`` empty means the roster is valid."""

    row_count: int = 0
    problems: list = field(default_factory=list)
    repairs: Counter = field(default_factory=Counter)
    ignored_columns: list = field(default_factory=list)
    households: Counts = field(default_factory=Counts)
    persons: Counts = field(default_factory=Counts)
    missing: list = field(default_factory=list)  # (household number, name, masked ID number)
    #: The plan, household by household: what the import writes (see `_Roster.entry`).
    entries: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    sheets: list = field(default_factory=list)  # the data sheets read
    hidden_rows: list = field(default_factory=list)  # hidden or filtered rows, read too
    skipped: dict = field(default_factory=dict)  # rows that are no person: kind → count
    digest: str = ""  # of the plan: the write refuses a plan other than the one previewed
    stale: bool = False  # the registry changed since the preview: nothing was written
    written: bool = False

    @property
    def is_valid(self):
        return not self.problems

    def as_dict(self):
        return {
            "row_count": self.row_count,
            "repairs": dict(self.repairs),
            "ignored_columns": self.ignored_columns,
            "households": vars(self.households),
            "persons": vars(self.persons),
            "missing": self.missing,
            "entries": self.entries,
            "warnings": self.warnings,
            "sheets": self.sheets,
            "hidden_rows": self.hidden_rows,
            "skipped": self.skipped,
            "digest": self.digest,
            "written": self.written,
        }


def roster_import(
    *, path, county: Area, user=None, dry_run=False, progress=None, expected_digest=None
) -> RosterReport:
    """Import the roster at ``path`` into ``county``: everything or, on any problem, nothing.

    Raises RosterRefused for a file that is not a readable, harmless roster. ``progress`` is
    called with the number of persons written so far. ``user`` (None for a command run by the
    operator) limits the villages to the user's scope and is recorded in the history. With
    ``expected_digest`` (the digest of a previewed plan), a plan that differs from it is not
    written: the report comes back ``stale``, to be previewed again.

    The rows go through in chunks of CHUNK: each is parsed, checked against the database and,
    while the roster has shown no problem, written. PostgreSQL writes the history and checks the
    foreign keys of one chunk while Python parses the next. A problem found in a later chunk
    rolls the whole transaction back, so a roster is still written whole or not at all.
    """
    with _cycle_collector_paused(), RosterFile(path) as file:
        roster = _Roster(county=county, user=user, dry_run=dry_run, file=file)
        report = roster.report
        if not roster.read_header(file.header):
            return report
        with transaction.atomic(), BulkWriter(user=user, reason=roster.reason) as writer:
            for chunk in _chunks(file.rows(), CHUNK):
                roster.parse(chunk)
                writer.wait()  # for the connection, or the background work's error
                roster.check_database()
                if roster.writing:
                    roster.write(writer, progress)
            writer.wait()
            roster.finish()
            report.stale = bool(expected_digest) and expected_digest != report.digest
            if report.problems or report.stale:
                transaction.set_rollback(True)
            elif roster.writing:
                roster.write_changes(writer, progress)
    report.written = roster.writing and not report.stale
    return report


@contextmanager
def _cycle_collector_paused():
    """Python's cycle collector paused for the import. The import holds a few million objects
    (cells, rows, lookups) and makes no cycles worth collecting, but the collector walks every
    object again each time their number grows by a quarter: 0.9 of 3 CPU-seconds on 70,000
    rows. Cycles made meanwhile are collected after it, as they would be anyway. The pause is
    process-wide: other threads of the process collect no cycles during an import either.
    """
    if not gc.isenabled():  # already paused by the caller
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _text(value) -> tuple[str, str]:
    """The cell as text and the repair it needed ("" for none): spaces around it, invisible
    characters (zero-width spaces, a byte-order mark) or a literal leading apostrophe."""
    if isinstance(value, str):  # nearly every cell
        stripped = value.strip()
        if stripped.isprintable() and not stripped.startswith("'"):
            return stripped, REPAIR_SPACES if len(stripped) != len(value) else ""
        return tidy(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat(), ""
    text = str(value)
    stripped = text.strip()
    return stripped, REPAIR_SPACES if stripped != text else ""


def _is_blank(cells) -> bool:
    """Whether the cells hold nothing but spaces; a filled row stops at its first filled cell."""
    return not any(str(cell).strip() for cell in cells)


# Checking -----------------------------------------------------------------------------------


class _Roster:
    """The state of one import: the rows of the current chunk, what earlier chunks left to
    check at the end, the lookups, the plan."""

    def __init__(self, *, county, user, dry_run, file):
        self.file = file
        self.county = county
        self.user = user
        self.dry_run = dry_run
        self.reason = _("Roster import")
        self.report = RosterReport()
        self.today = timezone.localdate()
        self.hash, self.seal = keyed_hasher(), sealer()
        # The whole roster's: households by number (from their head's row), the head rows and
        # the first member row of each number, the rows of the ID numbers seen.
        self.households: dict[str, HouseholdRow] = {}
        self.head_rows = defaultdict(list)
        self.member_rows = {}
        self.first_row_of_id = {}
        # Households already registered, the pks of the households in the roster, the persons
        # already registered that the roster names, new persons whose head comes later.
        self.existing = {}
        self.pks = {}
        self.in_file = set()
        self.waiting: list[PersonRow] = []
        self.persons_written = 0
        # The heads: the roster's head row of each number, the registry's head of each existing
        # household (pk → (person pk, name)), the registered persons the roster names (ID hash
        # → their row values) and the numbers of their households (pk → number).
        self.file_heads: dict[str, PersonRow] = {}
        self.registry_heads = {}
        self.registered = {}
        self.numbers = {}
        # Registered persons the roster puts in another household, and the changes of
        # registered persons waiting for their new household to be registered.
        self.moves: list[Move] = []
        self.moved_heads: list[Move] = []
        self.changed_persons = []
        # The plan by household number (see `entry`), and how many of each existing
        # household's registered members the roster keeps in it.
        self.entries = {}
        self.kept = Counter()
        self.references = defaultdict(dict)
        self.items = {}
        for item in ReferenceItem.objects.order_by("-is_active"):
            self.items[item.pk] = item
            names = [item.name, *item.synonym_list]
            for name in names:
                self.references[item.kind].setdefault("".join(name.split()), item)
        areas = Area.objects.filter(code__startswith=county.code, level__gt=Area.Level.COUNTY)
        self.townships, self.villages, self.village_names = {}, {}, {}
        for code, name, level, parent in areas.values_list("code", "name", "level", "parent_id"):
            if level == Area.Level.TOWNSHIP:
                self.townships[area_key(name)] = code
            elif level == Area.Level.VILLAGE:
                self.villages[(parent, area_key(name))] = code
                self.village_names[code] = name
        # The villages the importing user may reach, through the one scoping mechanism (a
        # command without a user reaches the county).
        self.reachable = (
            set(areas.visible_to(user).values_list("code", flat=True)) if user else None
        )
        self.cadres = defaultdict(list)
        members = Member.objects.filter(team__township__code__startswith=county.code)
        self.cadre_names = dict(members.values_list("pk", "name"))  # former members too
        # `MemberQuerySet.serving`, for every township of the county at once.
        for pk, name, township in members.current().values_list("pk", "name", "team__township_id"):
            self.cadres[(township, "".join(name.split()))].append(pk)

    def problem(self, key, column, value, message):
        """A problem of the row ``key`` (see `roster_files.STRIDE`), or of the whole file."""
        sheet, row = self.where(key)
        self.report.problems.append(Problem(row, column, str(value), str(message), sheet, key or 0))

    def where(self, key):
        """(sheet name, or "" when the file has one data sheet; row in it) of a row key."""
        if key is None:
            return "", None
        names = self.file.names_by_index
        return (names[key // STRIDE] if len(names) > 1 else ""), key % STRIDE

    def label(self, key):
        """A row as messages name it: 5, or 5（东1镇） in a file of several sheets."""
        sheet, row = self.where(key)
        return f"{row}（{sheet}）" if sheet else str(row)

    @property
    def writing(self):
        """Whether the roster is being written: no dry run, no problem so far, and no household
        with a second head (reported at the end, but its rows must not be written)."""
        return (
            not self.dry_run
            and not self.report.problems
            and all(len(rows) == 1 for rows in self.head_rows.values())
        )

    # Parsing: every row on its own ---------------------------------------------------------

    def read_header(self, header):
        """Take the columns found; False (with the problem recorded) when some are missing."""
        columns, self.report.ignored_columns = header
        self.cells = {key: index for key, (index, _name) in columns.items()}
        self.names = {key: name for key, (_index, name) in columns.items()}
        missing = [COLUMNS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
        if "village_code" not in columns:
            missing += [COLUMNS[key][0] for key in ("township", "village") if key not in columns]
        if missing:
            self.problem(None, "、".join(missing), "", _("Required columns are missing."))
            return False
        # (column key, kind, listed name → item id) of the person reference columns in the file
        self.person_references = [
            (
                key,
                kind,
                {
                    name: item.name if key in SEALED_REFERENCES else item.pk
                    for name, item in self.references[kind].items()
                },
            )
            for key, kind in PERSON_REFERENCES.items()
            if key in columns
        ]
        # the positions of the sealed ones among the person reference columns of the file
        self.sealed_columns = [
            i for i, (key, *_rest) in enumerate(self.person_references) if key in SEALED_REFERENCES
        ]
        self.relations = self.references[ReferenceItem.Kind.RELATION]
        self.keys, self.pick = list(self.cells), operator.itemgetter(*self.cells.values())
        self.width = max(self.cells.values()) + 1
        return True

    def parse(self, rows):
        """Parse a chunk of rows."""
        self.persons: list[PersonRow] = []
        self.headed: list[str] = []  # numbers of the households whose head is in this chunk
        keys, pick, width = self.keys, self.pick, self.width
        limit = settings.ROSTER_MAX_ROWS
        for row, cells in rows:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            picked = pick(cells)
            if _is_blank(picked):
                continue
            values = dict(zip(keys, picked, strict=True))
            self.report.row_count += 1
            if self.report.row_count > limit:
                raise RosterRefused(
                    _("The roster has more than %(limit)s rows; split it into several files.")
                    % {"limit": limit}
                )
            id_number, person = self.parse_row(row, values)
            # A repeated ID number is reported on both rows, whatever else is wrong with them.
            earlier = self.first_row_of_id.setdefault(id_number, row) if id_number else row
            if earlier != row:
                column, masked = self.names["id_number"], mask_id_number(id_number)
                message = _("The same ID number is also in row %(row)s.")
                self.problem(row, column, masked, message % {"row": self.label(earlier)})
                self.problem(earlier, column, masked, message % {"row": self.label(row)})
                continue
            if person is None:
                continue
            self.member_rows.setdefault(person.number, row)
            if person.relation.name == Person.HEAD:
                self.file_heads.setdefault(person.number, person)
            self.persons.append(person)

    def parse_row(self, row, values) -> tuple[str, PersonRow | None]:
        """The row's normalised ID number ("" when unreadable) and its person, or None (with
        problems recorded) when the row cannot be read.

        Each cell is first taken as it nearly always is (text exactly as it should be, a listed
        name); only a cell that is not goes through the repairs and the messages.
        """
        errors = len(self.report.problems)
        number = values["number"]
        if type(number) is not str or not HOUSEHOLD_NUMBER.fullmatch(number):
            number = self.clean_number(row, number)
        name = values["name"]
        if (
            type(name) is not str
            or not name
            or name != name.strip()
            or not name.isprintable()
            or name[0] == "'"
        ):
            name = self.clean_name(row, name)
        id_number = self.clean_id_number(row, values["id_number"])
        relation = self.relations.get(values["relation"])
        if relation is None:
            relation = self.reference(
                row, "relation", ReferenceItem.Kind.RELATION, values, required=True
            )
        if (
            id_number
            and "sex" in values
            and values["sex"] != ("男" if is_male(id_number) else "女")
        ):
            self.check_sex(row, id_number, values["sex"])
        person_values = {}
        for key, kind, items in self.person_references:
            value = values[key]
            sealed = key in SEALED_REFERENCES
            if value == "":
                person_values[key] = "" if sealed else None
                continue
            stored = items.get(value)
            if stored is None:
                item = self.reference(row, key, kind, values)
                stored = (item.name if sealed else item.pk) if item else None
            person_values[key] = stored
        if relation is not None and relation.name == Person.HEAD and number:
            self.parse_household(row, number, values)
        if len(self.report.problems) > errors:
            return id_number, None
        id_hash = self.hash(id_number)
        # Sealed and derived (as Person.derive_from_id_number does) now, while the database is
        # busy with the chunk before.
        references = [*person_values.values()]
        for i in self.sealed_columns:
            if references[i]:
                references[i] = self.seal(references[i])
        stored = (
            name,
            self.seal(id_number),
            id_hash,
            relation.pk,
            relation.name == Person.HEAD,
            Person.Sex.MALE if is_male(id_number) else Person.Sex.FEMALE,
            birth_date(id_number),
            *references,
        )
        person = PersonRow(row, number, name, id_number, id_hash, relation, person_values, stored)
        return id_number, person

    def clean_name(self, row, raw):
        name, repair = _text(raw)
        self.count(repair)
        if not name:
            self.problem(row, self.names["name"], "", _("The name is missing."))
        return name

    def check_sex(self, row, id_number, raw):
        if raw == ("男" if is_male(id_number) else "女"):
            return
        sex, repair = _text(raw)
        self.count(repair)
        if sex and sex != ("男" if is_male(id_number) else "女"):
            self.problem(
                row, self.names["sex"], sex, _("The sex does not match the ID number; check both.")
            )

    def parse_household(self, row, number, values):
        household = HouseholdRow(row=row, number=number)
        household.village = self.village(row, number, values)
        for key, kind in HOUSEHOLD_REFERENCES.items():
            if key in values:
                required = key in REQUIRED_COLUMNS
                item = self.reference(row, key, kind, values, required=required)
                household.values[f"{key}_id"] = getattr(item, "pk", None)
        if "other_causes" in values:
            text, _repair = _text(values["other_causes"])
            causes = set()
            for name in SEPARATORS.split(text):
                if not name:
                    continue
                item = self.references[ReferenceItem.Kind.CAUSE].get(name)
                if item is None:
                    self.unknown_value(row, "other_causes", name)
                else:
                    causes.add(item.pk)
            household.other_causes = frozenset(causes)
        if "phone" in values:
            household.values["phone"] = self.clean_phone(row, values["phone"])
        if "contact_cadre" in values:
            household.values["contact_cadre_id"] = self.cadre(row, household.village, values)
        if "registered_on" in values:
            household.values["registered_on"] = self.clean_date(row, "registered_on", values)
        self.head_rows[number].append(row)
        if number not in self.households:
            self.households[number] = household
            self.headed.append(number)

    def check_heads(self):
        for number, head_rows in self.head_rows.items():
            if len(head_rows) > 1:
                self.problem(
                    head_rows[1],
                    self.names["relation"],
                    Person.HEAD,
                    _("Household %(number)s has more than one head: rows %(rows)s.")
                    % {"number": number, "rows": "、".join(map(self.label, head_rows))},
                )
        for number, row in self.member_rows.items():
            if number not in self.households:
                self.problem(
                    row,
                    self.names["relation"],
                    number,
                    _("Household %(number)s has no head (户主).") % {"number": number},
                )

    # Cells ----------------------------------------------------------------------------------

    def count(self, repair):
        if repair:
            self.report.repairs[repair] += 1

    def clean_number(self, row, raw):
        column = self.names["number"]
        if isinstance(raw, float) and raw > 2**53:
            self.problem(row, column, raw, _stored_as_number())
            return ""
        text, repair = _text(raw)
        self.count(repair)
        number = text.translate(FULL_WIDTH)
        if number != text:
            self.report.repairs[REPAIR_FULL_WIDTH] += 1
        if not HOUSEHOLD_NUMBER.fullmatch(number):
            message = (
                _("The household number is missing.")
                if not number
                else _("The household number must have 17 digits.")
            )
            self.problem(row, column, raw, message)
            return ""
        return number

    def clean_id_number(self, row, raw):
        try:
            value, repairs = normalise_id_number(raw, self.today)
        except ValidationError as exc:
            # The report is stored with the job: a number that is wrong by one digit is still
            # a person's number, so it is masked in the value and in the message alike.
            text = str(raw).strip()
            shown = mask_id_number(text) if len(text) >= 10 else text
            message = (
                " ".join(
                    str(error.message) % {**error.params, "value": shown}
                    if error.params
                    else str(error.message)
                    for error in exc.error_list
                )
                if text
                else _("The ID number is missing.")
            )
            self.problem(row, self.names["id_number"], shown, message)
            return ""
        if repairs:
            self.report.repairs.update(repairs)
        return value

    def clean_phone(self, row, raw):
        if isinstance(raw, float) and raw.is_integer():
            self.report.repairs[REPAIR_PHONE_NUMBER] += 1
        text, repair = _text(raw)
        self.count(repair)
        phone = text.translate(FULL_WIDTH)
        if phone != text:
            self.report.repairs[REPAIR_FULL_WIDTH] += 1
        if phone and not PHONE.fullmatch(phone):
            shown = mask_phone(phone) if len(phone) >= 8 else phone
            self.problem(row, self.names["phone"], shown, _("This is not a phone number."))
            return ""
        return phone

    def clean_date(self, row, key, values):
        """A date cell, or a date written as 2016-05-01, 2016/5/1, 2016.5.1, 2016年5月1日 or
        20160501; today when blank. A date after today is reported."""
        raw = values[key]
        if isinstance(raw, datetime.datetime):
            date = raw.date()
        elif isinstance(raw, datetime.date):
            date = raw
        else:
            text, repair = _text(raw)
            self.count(repair)
            if not text:
                return self.today
            parts = DATE.fullmatch(text.translate(FULL_WIDTH))
            try:
                year, month, day, month_digits, day_digits = parts.groups()
                date = datetime.date(int(year), int(month or month_digits), int(day or day_digits))
            except (AttributeError, ValueError):  # no match, or no such day
                date = None
            if date is None:
                self.problem(row, self.names[key], text, _("This is not a date (e.g. 2016-05-01)."))
                return self.today
        if date > self.today:
            self.problem(row, self.names[key], date.isoformat(), _("The date is in the future."))
        return date

    def reference(self, row, key, kind, values, required=False):
        value = values.get(key, "")
        item = self.references[kind].get(value)  # a listed name as it is: the usual case
        if item is not None:
            return item
        text, repair = _text(value)
        self.count(repair)
        if not text:
            if required:
                self.problem(row, self.names[key], "", _("This value is required."))
            return None
        item = self.references[kind].get("".join(text.split()))
        if item is None:
            self.unknown_value(row, key, text)
        return item

    def unknown_value(self, row, key, text):
        self.problem(
            row,
            self.names[key],
            text,
            _("“%(value)s” is not in the reference list; use a listed value or add a synonym.")
            % {"value": text},
        )

    def village(self, row, number, values):
        """The village code from 村代码, else from the township and village names."""
        if "village_code" in values and str(values["village_code"]).strip():
            code, _repair = _text(values["village_code"])
            column = self.names["village_code"]
            if code not in self.village_names:
                self.problem(row, column, code, self.unknown_village_message())
                return None
        else:
            if "township" not in values or "village" not in values:
                self.problem(row, self.names["number"], number, _("The village is missing."))
                return None
            township_name, _repair = _text(values["township"])
            township = self.townships.get(township_name) or self.townships.get(
                area_key(township_name)
            )
            if township is None:
                self.problem(
                    row,
                    self.names["township"],
                    township_name,
                    _("There is no such township in %(county)s.") % {"county": self.county.name},
                )
                return None
            village_name, _repair = _text(values["village"])
            code = self.villages.get((township, village_name)) or self.villages.get(
                (township, area_key(village_name))
            )
            column = self.names["village"]
            if code is None:
                message = self.unknown_village(township, township_name, village_name)
                self.problem(row, column, village_name, message)
                return None
        if self.reachable is not None and code not in self.reachable:
            self.problem(row, column, code, _("This village is outside your area."))
            return None
        if not number.startswith(code):
            self.problem(
                row,
                self.names["number"],
                number,
                _("The household number must start with the village code %(code)s.")
                % {"code": code},
            )
        return code

    def unknown_village(self, township, township_name, name):
        """No such village in the township: the nearest registered names, and the way round."""
        names = [
            self.village_names[code]
            for (parent, _key), code in self.villages.items()
            if parent == township
        ]
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        message = _("There is no such village in %(township)s.") % {"township": township_name}
        if near:
            message += _(" Did you mean %(names)s?") % {"names": "、".join(near)}
        return message + _(" The 12-digit 村代码 column may be used in place of the names.")

    def unknown_village_message(self):
        return _("There is no such village in %(county)s.") % {"county": self.county.name}

    def cadre(self, row, village, values):
        name, _repair = _text(values["contact_cadre"])
        if not name or village is None:
            return None
        found = self.cadres.get((codes.township_of(village), "".join(name.split())), [])
        if len(found) != 1:
            self.problem(
                row,
                self.names["contact_cadre"],
                name,
                _("%(name)s is not a current member of the township's team.") % {"name": name}
                if not found
                else _("Several members of the township's team are named %(name)s.")
                % {"name": name},
            )
            return None
        return found[0]

    # Against the database ---------------------------------------------------------------------

    def check_database(self):
        """Match the chunk's households by number and persons by ID hash; plan the changes.

        Nothing read here is changed by the chunks written before: registered persons are
        changed only at the end (`write_changes`), so a dry run plans what the write does.
        """
        found = {}
        for households in _in_batches(Household.objects, "number", self.headed):
            for household in households:
                household.cause_ids = set()
                found[household.number] = household
        by_id = {h.pk: h for h in found.values()}
        through = Household.other_causes.through
        for links in _in_batches(through.objects, "household_id", list(by_id)):
            for household_id, item_id in links.values_list("household_id", "referenceitem_id"):
                by_id[household_id].cause_ids.add(item_id)
        heads = Person.objects.current().filter(is_head=True)
        for persons in _in_batches(heads, "household_id", list(by_id)):
            for household_id, pk, name in persons.values_list("household_id", "pk", "name"):
                self.registry_heads[household_id] = (pk, name)
        self.existing.update(found)
        self.pks.update((number, household.pk) for number, household in found.items())
        fields = ["pk", "id_number_hash", "household_id", "is_head", "left_on"]
        fields += ["name", *PERSON_CHANGES]
        self.known = {}
        hashes = [person.id_hash for person in self.persons]
        for persons in _in_batches(Person.objects, "id_number_hash", hashes):
            for values in persons.values(*fields):
                self.known[values["id_number_hash"]] = values
        self.registered.update(self.known)
        ids = list({values["household_id"] for values in self.known.values()} - self.numbers.keys())
        for households in _in_batches(Household.objects, "pk", ids):
            self.numbers.update(households.values_list("pk", "number"))
        for person in self.persons:
            found = self.known.get(person.id_hash)
            if found is None:
                continue
            number = self.numbers[found["household_id"]]
            masked = mask_id_number(person.id_number)
            if not number.startswith(self.county.code):
                message = _("This ID number already belongs to a household of another county.")
                self.problem(person.row, self.names["id_number"], masked, message)
            elif found["left_on"]:
                message = _(
                    "This person left household %(number)s on %(date)s (a member change) and "
                    "cannot be listed again."
                ) % {"number": number, "date": found["left_on"].isoformat()}
                self.problem(person.row, self.names["id_number"], masked, message)
            else:
                continue
            del self.known[person.id_hash]  # reported: planned no further
        self.plan()

    def plan(self):
        """Plan the chunk: household fields, new persons, changes and moves of registered ones."""
        report = self.report
        self.changed_households = []
        for number in self.headed:
            existing = self.existing.get(number)
            if existing is None:
                self.entry(number)["new"] = True
                continue
            changes = self.household_changes(existing, self.households[number])
            if changes:
                self.changed_households.append(number)
                old = {**vars(existing), "other_causes": existing.cause_ids}
                self.entry(number)["changes"] += [
                    [key, self.shown(key, old[key]), self.shown(key, value)]
                    for key, value in changes.items()
                ]
        for person in self.persons:
            found = self.known.get(person.id_hash)
            if found is None:
                report.persons.new += 1
                self.entry(person.number)["in"].append([person.name, ""])
                continue
            self.in_file.add(found["pk"])
            wanted = {"name": person.name, "relation_id": person.relation.pk}
            wanted.update({person_field(key): value for key, value in person.values.items()})
            changed = [key for key, value in wanted.items() if found[key] != value]
            old_number = self.numbers[found["household_id"]]
            moved = old_number != person.number
            if moved:
                self.moves.append(
                    Move(
                        person.row,
                        found["pk"],
                        person.name,
                        found["household_id"],
                        old_number,
                        person.number,
                    )
                )
                self.entry(person.number)["in"].append([person.name, old_number])
                self.entry(old_number)["out"].append([person.name, person.number])
                if found["is_head"]:
                    self.moved_heads.append(self.moves[-1])
            else:
                self.kept[person.number] += 1
            if not changed and not moved:
                report.persons.unchanged += 1
                continue
            report.persons.updated += 1
            self.changed_persons.append((found["pk"], wanted, person.number if moved else None))
            self.entry(person.number)["changes"] += [
                [key, self.shown(key, found[key]), self.shown(key, wanted[key]), person.name]
                for key in changed
            ]

    def entry(self, number):
        """The plan of one household: whether it is new, its changes ([column key, old, new]
        or [column key, old, new, person]), the persons it gains ([name, household number they
        come from or ""]) and loses ([name, household number they go to or ""]), warnings."""
        entry = self.entries.get(number)
        if entry is None:
            entry = {"number": number, "new": False, "changes": [], "in": [], "out": []}
            self.entries[number] = entry
        return entry

    def shown(self, key, value):
        """A planned value as the preview shows it: names for references, masked phones."""
        if value is None or value == "":
            return ""
        if key == "phone":
            return mask_phone(value)
        if key in SEALED_REFERENCES:
            return mask_all(value)
        if key == "contact_cadre_id":
            return self.cadre_names.get(value, "")
        if key == "other_causes":
            return "、".join(sorted(self.items[pk].name for pk in value))
        if key.endswith("_id"):
            return self.items[value].name
        return str(value)

    def household_changes(self, existing, row):
        changes = {
            key: value for key, value in row.values.items() if getattr(existing, key) != value
        }
        if row.other_causes is not None and row.other_causes != existing.cause_ids:
            changes["other_causes"] = row.other_causes
        return changes

    def finish(self):
        """The checks that need the whole roster, then the plan's summary and digest."""
        self.check_heads()
        self.check_replaced_heads()
        self.report.problems.sort(key=lambda problem: problem.key)
        if self.report.problems:
            return
        current = Person.objects.current()
        numbers = {household.pk: number for number, household in self.existing.items()}
        missing = [
            pk
            for persons in _in_batches(current, "household_id", list(numbers))
            for pk in persons.values_list("pk", flat=True)
            if pk not in self.in_file
        ]
        self.report.missing = sorted(
            (numbers[person.household_id], person.name, person.masked_id_number)
            for persons in _in_batches(current, "pk", missing)
            for person in persons
        )
        for number, name, _masked in self.report.missing:
            self.entry(number)["out"].append([name, ""])
        self.summarise()

    def replaced_heads(self):
        """(number, (pk, name) of its registered head, the roster's head row) of each
        registered household whose roster names another head."""
        for number, household in self.existing.items():
            head = self.file_heads.get(number)
            registered = self.registry_heads.get(household.pk)
            if (
                head
                and registered
                and self.registered.get(head.id_hash, {}).get("pk") != registered[0]
            ):
                yield number, registered, head

    def check_replaced_heads(self):
        """A new head of a registered household: its registered head must stay listed (in it
        or in another household); a registered head moved away must leave a new head behind."""
        for number, (pk, name), head in self.replaced_heads():
            self.entry(number)["changes"].insert(0, ["head", name, head.name])
            if pk not in self.in_file:
                self.problem(
                    head.row,
                    self.names["relation"],
                    head.name,
                    _(
                        "%(name)s, the registered head of household %(number)s, is not in this "
                        "roster: record their death or departure on the household page first, "
                        "or list them with their relation to the new head."
                    )
                    % {"name": name, "number": number},
                )
        for move in self.moved_heads:
            if move.from_number not in self.households:
                self.problem(
                    move.row,
                    self.names["relation"],
                    move.name,
                    _(
                        "%(name)s is the head of household %(number)s, which this roster does "
                        "not list: list that household with its new head, or name its new head "
                        "on the household page first."
                    )
                    % {"name": move.name, "number": move.from_number},
                )

    def summarise(self):
        """Counts, warnings and the digest of the plan, household by household."""
        report = self.report
        entries = []
        for number in sorted(self.entries):
            entry = self.entries[number]
            if entry["new"]:
                report.households.new += 1
                entries.append({"number": number, "new": True, "persons": len(entry["in"])})
                continue
            entry["warnings"] = []
            if entry["out"] and not self.kept[number] and number in self.households:
                entry["warnings"].append("all_members_replaced")
            report.households.updated += 1
            entries.append(entry)
        report.households.unchanged = len(self.existing) - sum(
            1 for number in self.existing if number in self.entries
        )
        report.entries = entries
        report.sheets = self.file.sheet_names
        report.hidden_rows = [self.label(key) for key in self.file.hidden]
        report.skipped = dict(self.file.skipped)
        if report.households.new and "registered_on" not in self.cells:
            report.warnings.append(["registered_today", self.today.isoformat()])
        plan = {"entries": entries, "persons": vars(report.persons)}
        report.digest = hashlib.sha256(
            json.dumps(plan, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()

    # Writing ------------------------------------------------------------------------------------

    def write(self, writer, progress):
        """Write the chunk checked last; its history and checks follow in the background.
        Registered persons are changed at the end, by `write_changes`."""
        self.recorded_by_id = self.user.pk if self.user else None
        new = [self.households[number] for number in self.headed if number not in self.existing]
        self.register_households(writer, new)
        touched = [row.number for row in new] + self.changed_households
        self.write_causes(writer, touched)
        self.write_cadres(writer, touched)
        self.update_households()
        self.write_persons(writer, progress)
        writer.flush()

    def write_changes(self, writer, progress):
        """After every chunk, the registered persons' changes and the new heads of registered
        households, in an order that never gives a household two heads: the heads that change
        stop being heads first, then the new heads come in, then every change is written."""
        leaving = [move.pk for move in self.moved_heads]
        leaving += [pk for _number, (pk, _name), _head in self.replaced_heads()]
        for persons in _in_batches(Person.objects, "pk", leaving):
            persons.update(is_head=False)
        self.write_persons(writer, progress, last=True)
        self.update_persons()
        self.record_moves()
        writer.flush()

    def register_households(self, writer, new):
        """Insert the ``new`` households with their registration."""
        value_keys = [key for key in (new[0].values if new else ()) if key != "registered_on"]
        dates = [row.values.get("registered_on", self.today) for row in new]
        rows = [
            (
                row.number,
                row.village,
                Household.Status.REGISTERED,
                date,
                date,
                *(row.values[key] for key in value_keys),
            )
            for row, date in zip(new, dates, strict=True)
        ]
        fields = ["number", "village_id", "status", "status_since", "registered_on", *value_keys]
        pks = writer.insert(Household, fields, rows)
        writer.insert(
            StatusChange,
            ["household_id", "new_status", "date", "reason", "recorded_by_id"],
            [
                (pk, Household.Status.REGISTERED, date, self.reason, self.recorded_by_id)
                for pk, date in zip(pks, dates, strict=True)
            ],
            history=False,
        )
        self.pks.update((row.number, pk) for row, pk in zip(new, pks, strict=True))

    def write_persons(self, writer, progress, last=False):
        """Insert the new persons whose household has a pk; the others wait for their head,
        and the new heads of registered households wait for `write_changes` (``last``)."""
        new = self.waiting
        if not last:
            new += [p for p in self.persons if p.id_hash not in self.known]
        ready, self.waiting = [], []
        for person in new:
            later = person.number not in self.pks or (
                not last and person.number in self.existing and person.relation.name == Person.HEAD
            )
            (self.waiting if later else ready).append(person)
        value_keys = [person_field(key) for key in ready[0].values] if ready else []
        fields = ["household_id", *PERSON_COLUMNS, *value_keys]
        pks = self.pks
        rows = [(pks[person.number], *person.stored) for person in ready]
        done = self.persons_written
        self.in_file.update(
            writer.insert(
                Person,
                fields,
                rows,
                progress=progress and (lambda sent: progress(done + sent)),
            )
        )
        self.persons_written += len(rows)
        if progress:
            progress(self.persons_written)

    def write_causes(self, writer, numbers):
        through = Household.other_causes.through
        rows = [self.households[n] for n in numbers if self.households[n].other_causes is not None]
        # Only households already registered can have causes to replace.
        replaced = [self.pks[row.number] for row in rows if row.number in self.existing]
        for links in _in_batches(through.objects, "household_id", replaced):
            links.delete()
        writer.insert(
            through,
            ["household_id", "referenceitem_id"],
            [(self.pks[row.number], item) for row in rows for item in row.other_causes],
            history=False,
        )

    def write_cadres(self, writer, numbers):
        """Open a contact-cadre assignment where the cadre is new or changed (不脱贫不脱钩)."""
        changed = [
            number
            for number in numbers
            if self.households[number].values.get("contact_cadre_id")
            != getattr(self.existing.get(number), "contact_cadre_id", None)
        ]
        open_assignments = CadreAssignment.objects.filter(end__isnull=True)
        for assignments in _in_batches(
            open_assignments, "household_id", [self.pks[number] for number in changed]
        ):
            assignments.update(end=self.today)
        writer.insert(
            CadreAssignment,
            ["household_id", "cadre_id", "start", "reason", "recorded_by_id"],
            [
                (self.pks[number], cadre_id, self.today, self.reason, self.recorded_by_id)
                for number in changed
                if (cadre_id := self.households[number].values.get("contact_cadre_id"))
            ],
            history=False,
        )

    def update_households(self):
        households, fields = [], set()
        for number in self.changed_households:
            household = self.existing[number]
            changes = self.household_changes(household, self.households[number])
            changes.pop("other_causes", None)
            for key, value in changes.items():
                setattr(household, key, value)
                fields.add(key)
            households.append(household)
        if fields:
            self.update(households, Household, fields)

    def update_persons(self):
        """Write the planned changes of registered persons, moves into their new household."""
        if not self.changed_persons:
            return
        wanted = {}
        for pk, values, moved_to in self.changed_persons:
            if moved_to:
                values = {**values, "household_id": self.pks[moved_to]}
            wanted[pk] = values
        persons = [
            person for batch in _in_batches(Person.objects, "pk", list(wanted)) for person in batch
        ]
        fields = {"is_head"}
        for person in persons:
            for key, value in wanted[person.pk].items():
                setattr(person, key, value)
                fields.add(key)
            person.relation = self.items[person.relation_id]
            person.derive_from_id_number()
        self.update(persons, Person, fields)

    def record_moves(self):
        """A member change in both households of each move: a split where the person goes to
        a household new in this roster, another change otherwise."""
        changes = []
        for move in self.moves:
            kind = (
                MemberChange.Kind.OTHER
                if move.to_number in self.existing
                else MemberChange.Kind.SPLIT
            )
            notes = (
                (
                    move.from_pk,
                    _("Moved to household %(number)s by the roster import."),
                    move.to_number,
                ),
                (
                    self.pks[move.to_number],
                    _("Moved from household %(number)s by the roster import."),
                    move.from_number,
                ),
            )
            for household_id, note, other in notes:
                changes.append(
                    MemberChange(
                        household_id=household_id,
                        person_id=move.pk,
                        kind=kind,
                        date=self.today,
                        note=note % {"number": other},
                        recorded_by_id=self.recorded_by_id,
                    )
                )
        MemberChange.objects.bulk_create(changes, batch_size=BATCH)

    def update(self, objs, model, fields):
        bulk_update_with_history(
            objs,
            model,
            sorted(fields),
            batch_size=BATCH,
            default_user=self.user,
            default_change_reason=self.reason,
        )


def _stored_as_number():
    return _(
        "Excel stored this number as a number, which loses its last digits. Format the "
        "column as text and type the numbers again."
    )


def _in_batches(queryset, field, values):
    """``queryset`` narrowed to ``field`` in ``values``, one unordered queryset per batch.

    Unordered, and the callers read one table at a time: the planner's statistics do not
    count the rows the import has written so far in its transaction, and a join or sort
    planned on them once turned a lookup quadratic (minutes instead of milliseconds).

    On PostgreSQL a batch is a single array parameter (``= ANY(%s)``): thousands of separate
    parameters cost more to build and to parse than the database takes to answer.
    """
    queryset = queryset.order_by()
    if connection.vendor != "postgresql":
        for chunk in _chunks(values):
            yield queryset.filter(**{f"{field}__in": chunk})
        return
    for chunk in _chunks(values, 20 * BATCH):
        yield queryset.filter(_AnyOf(F(field), chunk))


class _AnyOf(Lookup):
    """``field = ANY(array)``: the values go to PostgreSQL as one array."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        array, values = any_array(self.rhs, self.lhs.output_field.db_type(connection))
        return f"{lhs} = ANY({array})", [*params, values]


def _chunks(items, size=BATCH):
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk
