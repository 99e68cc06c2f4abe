"""The household roster (花名册) import: read, normalise, validate, plan and write, all or nothing.

The format is described in ROSTER.md: one row per person, the header found by its names,
household fields on the head's row, values mapped through the reference lists and their
synonyms. Every problem of the file is reported at once, with its Excel row; when there is any,
nothing is written. Households are matched by household number and persons by the keyed hash
of their ID number, so importing the same file twice changes nothing. The file itself is
checked and read by `households.roster_files`.
"""

import datetime
import gc
import itertools
import operator
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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
    REPAIR_FULL_WIDTH,
    REPAIR_LOWERCASE_X,
    REPAIR_SPACES,
    REPAIR_UPGRADED,
    birth_date,
    is_male,
    mask_id_number,
    normalise_id_number,
)
from households.models import (
    CadreAssignment,
    Household,
    Person,
    ReferenceItem,
    StatusChange,
)
from households.roster_files import COLUMNS, RosterRefused, check_archive, read_rows
from households.sensitive import keyed_hasher, seal
from teams.models import Area, Member

REQUIRED_COLUMNS = ["number", "name", "id_number", "relation", "attribute", "main_cause"]
#: Optional person columns read through a reference list (model field = column key).
PERSON_REFERENCES = {
    "ethnicity": ReferenceItem.Kind.ETHNICITY,
    "education": ReferenceItem.Kind.EDUCATION,
    "in_school": ReferenceItem.Kind.IN_SCHOOL,
    "health": ReferenceItem.Kind.HEALTH,
    "labour_skill": ReferenceItem.Kind.LABOUR_SKILL,
    "work_status": ReferenceItem.Kind.WORK_STATUS,
}
HOUSEHOLD_REFERENCES = {
    "attribute": ReferenceItem.Kind.ATTRIBUTE,
    "ability": ReferenceItem.Kind.ABILITY,
    "main_cause": ReferenceItem.Kind.CAUSE,
}
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
REPAIR_PHONE_NUMBER = "phone_number"
REPAIRS = {
    REPAIR_SPACES: gettext_lazy("spaces around values removed"),
    REPAIR_FULL_WIDTH: gettext_lazy("full-width digits converted"),
    REPAIR_LOWERCASE_X: gettext_lazy("lowercase x check characters capitalised"),
    REPAIR_UPGRADED: gettext_lazy("15-digit ID numbers upgraded to 18 digits"),
    REPAIR_PHONE_NUMBER: gettext_lazy("phone numbers stored as numbers converted to text"),
}
BATCH = 2000
CHUNK = 10_000  # rows parsed, checked and written at a time


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self):
        return {
            "row": self.row,
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
            "written": self.written,
        }


def roster_import(*, path, county: Area, user=None, dry_run=False, progress=None) -> RosterReport:
    """Import the roster at ``path`` into ``county``: everything or, on any problem, nothing.

    Raises RosterRefused for a file that is not a readable, harmless roster. ``progress`` is
    called with the number of persons written so far. ``user`` (None for a command run by the
    operator) limits the villages to the user's scope and is recorded in the history.

    The rows go through in chunks of CHUNK: each is parsed, checked against the database and,
    while the roster has shown no problem, written. PostgreSQL writes the history and checks the
    foreign keys of one chunk while Python parses the next. A problem found in a later chunk
    rolls the whole transaction back, so a roster is still written whole or not at all.
    """
    path = Path(path)
    with _cycle_collector_paused():
        check_archive(path)
        header, rows = read_rows(path)
        roster = _Roster(county=county, user=user, dry_run=dry_run)
        report = roster.report
        if not roster.read_header(header):
            return report
        with transaction.atomic(), BulkWriter(user=user, reason=roster.reason) as writer:
            for chunk in _chunks(rows, CHUNK):
                roster.parse(chunk)
                writer.wait()  # for the connection, or the background work's error
                roster.check_database()
                if roster.writing:
                    roster.write(writer, progress)
            writer.wait()
            roster.finish()
            if report.problems:
                transaction.set_rollback(True)
    report.written = roster.writing
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


def _text(value) -> tuple[str, bool]:
    """The cell as text and whether it needed trimming."""
    if isinstance(value, str):  # nearly every cell
        stripped = value.strip()
        return stripped, len(stripped) != len(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat(), False
    text = str(value)
    stripped = text.strip()
    return stripped, stripped != text


def _is_blank(cells) -> bool:
    """Whether the cells hold nothing but spaces; a filled row stops at its first filled cell."""
    return not any(str(cell).strip() for cell in cells)


# Checking -----------------------------------------------------------------------------------


class _Roster:
    """The state of one import: the rows of the current chunk, what earlier chunks left to
    check at the end, the lookups, the plan."""

    def __init__(self, *, county, user, dry_run):
        self.county = county
        self.user = user
        self.dry_run = dry_run
        self.reason = _("Roster import")
        self.report = RosterReport()
        self.today = timezone.localdate()
        self.hash = keyed_hasher()
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
                self.townships["".join(name.split())] = code
            elif level == Area.Level.VILLAGE:
                self.villages[(parent, "".join(name.split()))] = code
                self.village_names[code] = name
        self.cadres = defaultdict(list)
        members = Member.objects.current().filter(team__township__code__startswith=county.code)
        for pk, name, township in members.values_list("pk", "name", "team__township_id"):
            self.cadres[(township, "".join(name.split()))].append(pk)

    def problem(self, row, column, value, message):
        self.report.problems.append(Problem(row, column, str(value), str(message)))

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
            (key, kind, {name: item.pk for name, item in self.references[kind].items()})
            for key, kind in PERSON_REFERENCES.items()
            if key in columns
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
            person = self.parse_row(row, values)
            if person is None:
                continue
            earlier = self.first_row_of_id.setdefault(person.id_number, row)
            if earlier != row:
                self.problem(
                    row,
                    self.names["id_number"],
                    person.id_number,
                    _("The same ID number is also in row %(row)s.") % {"row": earlier},
                )
                continue
            self.member_rows.setdefault(person.number, row)
            self.persons.append(person)

    def parse_row(self, row, values) -> PersonRow | None:
        """The person of one row, or None (with problems recorded) when it cannot be read.

        Each cell is first taken as it nearly always is (text exactly as it should be, a listed
        name); only a cell that is not goes through the repairs and the messages.
        """
        errors = len(self.report.problems)
        number = values["number"]
        if type(number) is not str or not HOUSEHOLD_NUMBER.fullmatch(number):
            number = self.clean_number(row, number)
        name = values["name"]
        if type(name) is not str or not name or name != name.strip():
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
            if value == "":
                person_values[key] = None
                continue
            pk = items.get(value)
            if pk is None:
                item = self.reference(row, key, kind, values)
                pk = item.pk if item else None
            person_values[key] = pk
        if relation is not None and relation.name == Person.HEAD and number:
            self.parse_household(row, number, values)
        if len(self.report.problems) > errors:
            return None
        id_hash = self.hash(id_number)
        # Sealed and derived (as Person.derive_from_id_number does) now, while the database is
        # busy with the chunk before.
        stored = (
            name,
            seal(id_number),
            id_hash,
            relation.pk,
            relation.name == Person.HEAD,
            Person.Sex.MALE if is_male(id_number) else Person.Sex.FEMALE,
            birth_date(id_number),
            *person_values.values(),
        )
        return PersonRow(row, number, name, id_number, id_hash, relation, person_values, stored)

    def clean_name(self, row, raw):
        name, trimmed = _text(raw)
        self.count_trim(trimmed)
        if not name:
            self.problem(row, self.names["name"], "", _("The name is missing."))
        return name

    def check_sex(self, row, id_number, raw):
        if raw == ("男" if is_male(id_number) else "女"):
            return
        sex, trimmed = _text(raw)
        self.count_trim(trimmed)
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
            text, _trimmed = _text(values["other_causes"])
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
                    % {"number": number, "rows": "、".join(str(r) for r in head_rows)},
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

    def count_trim(self, trimmed):
        if trimmed:
            self.report.repairs[REPAIR_SPACES] += 1

    def clean_number(self, row, raw):
        column = self.names["number"]
        if isinstance(raw, float) and raw > 2**53:
            self.problem(row, column, raw, _stored_as_number())
            return ""
        text, trimmed = _text(raw)
        self.count_trim(trimmed)
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
            missing = not str(raw).strip()
            message = _("The ID number is missing.") if missing else " ".join(exc.messages)
            self.problem(row, self.names["id_number"], raw, message)
            return ""
        if repairs:
            self.report.repairs.update(repairs)
        return value

    def clean_phone(self, row, raw):
        if isinstance(raw, float) and raw.is_integer():
            self.report.repairs[REPAIR_PHONE_NUMBER] += 1
        text, trimmed = _text(raw)
        self.count_trim(trimmed)
        phone = text.translate(FULL_WIDTH)
        if phone != text:
            self.report.repairs[REPAIR_FULL_WIDTH] += 1
        if phone and not PHONE.fullmatch(phone):
            self.problem(row, self.names["phone"], raw, _("This is not a phone number."))
            return ""
        return phone

    def reference(self, row, key, kind, values, required=False):
        value = values.get(key, "")
        item = self.references[kind].get(value)  # a listed name as it is: the usual case
        if item is not None:
            return item
        text, trimmed = _text(value)
        self.count_trim(trimmed)
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
            code, _trimmed = _text(values["village_code"])
            column = self.names["village_code"]
            if code not in self.village_names:
                self.problem(row, column, code, self.unknown_village_message())
                return None
        else:
            if "township" not in values or "village" not in values:
                self.problem(row, self.names["number"], number, _("The village is missing."))
                return None
            township_name, _trimmed = _text(values["township"])
            township = self.townships.get("".join(township_name.split()))
            if township is None:
                self.problem(
                    row,
                    self.names["township"],
                    township_name,
                    _("There is no such township in %(county)s.") % {"county": self.county.name},
                )
                return None
            village_name, _trimmed = _text(values["village"])
            code = self.villages.get((township, "".join(village_name.split())))
            column = self.names["village"]
            if code is None:
                self.problem(
                    row,
                    column,
                    village_name,
                    _("There is no such village in %(township)s.") % {"township": township_name},
                )
                return None
        user = self.user
        if user and not user.is_superuser and not code.startswith(user.area_id or "-"):
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

    def unknown_village_message(self):
        return _("There is no such village in %(county)s.") % {"county": self.county.name}

    def cadre(self, row, village, values):
        name, _trimmed = _text(values["contact_cadre"])
        if not name or village is None:
            return None
        found = self.cadres.get((village[:9], "".join(name.split())), [])
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
        """Match the chunk's households by number and persons by ID hash; plan the changes."""
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
        self.existing.update(found)
        self.pks.update((number, household.pk) for number, household in found.items())
        fields = ["pk", "id_number_hash", "household_id", "name", "relation_id"]
        fields += [f"{key}_id" for key in PERSON_REFERENCES]
        self.known = {}
        hashes = [person.id_hash for person in self.persons]
        for persons in _in_batches(Person.objects, "id_number_hash", hashes):
            for values in persons.values(*fields):
                self.known[values["id_number_hash"]] = values
        ids = list({values["household_id"] for values in self.known.values()})
        numbers = {}
        for households in _in_batches(Household.objects, "pk", ids):
            numbers.update(households.values_list("pk", "number"))
        for person in self.persons:
            found = self.known.get(person.id_hash)
            if found and numbers[found["household_id"]] != person.number:
                other = numbers[found["household_id"]]
                self.problem(
                    person.row,
                    self.names["id_number"],
                    mask_id_number(person.id_number),
                    _("This ID number already belongs to household %(number)s.") % {"number": other}
                    if other.startswith(self.county.code)
                    else _("This ID number already belongs to a household of another county."),
                )
        self.plan()

    def plan(self):
        report = self.report
        self.changed_households = []
        for number in self.headed:
            existing = self.existing.get(number)
            if existing is None:
                report.households.new += 1
            elif self.household_changes(existing, self.households[number]):
                report.households.updated += 1
                self.changed_households.append(number)
            else:
                report.households.unchanged += 1
        self.changed_persons = []
        for person in self.persons:
            found = self.known.get(person.id_hash)
            if found is None:
                report.persons.new += 1
                continue
            self.in_file.add(found["pk"])
            wanted = {"name": person.name, "relation_id": person.relation.pk}
            wanted.update({f"{key}_id": value for key, value in person.values.items()})
            if any(found[key] != value for key, value in wanted.items()):
                report.persons.updated += 1
                self.changed_persons.append((found["pk"], wanted))
            else:
                report.persons.unchanged += 1

    def household_changes(self, existing, row):
        changes = {
            key: value for key, value in row.values.items() if getattr(existing, key) != value
        }
        if row.other_causes is not None and row.other_causes != existing.cause_ids:
            changes["other_causes"] = row.other_causes
        return changes

    def finish(self):
        """The checks that need the whole roster: heads, and the members it leaves out."""
        self.check_heads()
        self.report.problems.sort(key=lambda problem: problem.row or 0)
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

    # Writing ------------------------------------------------------------------------------------

    def write(self, writer, progress):
        """Write the chunk checked last; its history and checks follow in the background."""
        self.recorded_by_id = self.user.pk if self.user else None
        new = [self.households[number] for number in self.headed if number not in self.existing]
        self.register_households(writer, new)
        touched = [row.number for row in new] + self.changed_households
        self.write_causes(writer, touched)
        self.write_cadres(writer, touched)
        self.update_households()
        self.write_persons(writer, progress)
        self.update_persons()
        writer.flush()

    def register_households(self, writer, new):
        """Insert the ``new`` households with their registration."""
        value_keys = list(new[0].values) if new else []
        rows = [
            (row.number, row.village, Household.Status.REGISTERED, self.today, self.today)
            + tuple(row.values[key] for key in value_keys)
            for row in new
        ]
        fields = ["number", "village_id", "status", "status_since", "registered_on", *value_keys]
        pks = writer.insert(Household, fields, rows)
        writer.insert(
            StatusChange,
            ["household_id", "new_status", "date", "reason", "recorded_by_id"],
            [
                (pk, Household.Status.REGISTERED, self.today, self.reason, self.recorded_by_id)
                for pk in pks
            ],
            history=False,
        )
        self.pks.update((row.number, pk) for row, pk in zip(new, pks, strict=True))

    def write_persons(self, writer, progress):
        """Insert the new persons whose household has a pk; the others wait for their head."""
        new = self.waiting + [p for p in self.persons if p.id_hash not in self.known]
        ready = [person for person in new if person.number in self.pks]
        self.waiting = [person for person in new if person.number not in self.pks]
        value_keys = [f"{key}_id" for key in ready[0].values] if ready else []
        fields = ["household_id", *PERSON_COLUMNS, *value_keys]
        pks = self.pks
        rows = [(pks[person.number], *person.stored) for person in ready]
        done = self.persons_written
        writer.insert(
            Person,
            fields,
            rows,
            progress=progress and (lambda sent: progress(done + sent)),
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
        if not self.changed_persons:
            return
        wanted = dict(self.changed_persons)
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
