"""The plan of an import: what the roster changes in the registry, household by household,
checked against the database; the preview and the write both come from it."""

import datetime
import hashlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Lookup
from django.utils.translation import gettext as _

from households.bulk import any_array
from households.idnumber import (
    mask_id_number,
)
from households.models import (
    Household,
    Person,
    ReferenceItem,
)
from households.roster.columns import (
    PERSON_CHANGES,
    SEALED_REFERENCES,
    person_field,
)
from households.sensitive import mask_all, mask_phone

BATCH = 2000


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
    stored: list  # the columns of PERSON_COLUMNS and the reference fields, for a new person


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


class Planning:
    """The database side of `_Roster`: lookups, the plan, its digest."""

    # Against the database ---------------------------------------------------------------------

    def check_database(self):
        """Match the chunk's households by number and persons by ID hash; plan the changes.

        Nothing read here is changed by the chunks written before: registered persons are
        changed only at the end (`write_changes`), so a dry run plans what the write does.
        """
        found = {}
        for households in in_batches(Household.objects, "number", self.headed):
            for household in households:
                household.cause_ids = set()
                found[household.number] = household
        by_id = {h.pk: h for h in found.values()}
        through = Household.other_causes.through
        for links in in_batches(through.objects, "household_id", list(by_id)):
            for household_id, item_id in links.values_list("household_id", "referenceitem_id"):
                by_id[household_id].cause_ids.add(item_id)
        heads = Person.objects.current().filter(is_head=True)
        for persons in in_batches(heads, "household_id", list(by_id)):
            for household_id, pk, name in persons.values_list("household_id", "pk", "name"):
                self.registry_heads[household_id] = (pk, name)
        self.existing.update(found)
        self.pks.update((number, household.pk) for number, household in found.items())
        fields = ["pk", "id_number_hash", "household_id", "is_head", "left_on"]
        fields += ["name", *PERSON_CHANGES]
        self.known = {}
        hashes = [person.id_hash for person in self.persons]
        # Current records and records left behind, each read through its own partial index. A
        # person who moved has left records and at most one current one: that one, or the
        # record left last.
        for records in [Person.objects.current(), Person.objects.filter(left_on__isnull=False)]:
            for persons in in_batches(records, "id_number_hash", hashes):
                for values in persons.values(*fields):
                    known = self.known.setdefault(values["id_number_hash"], values)
                    if _recency(values) > _recency(known):
                        self.known[values["id_number_hash"]] = values
        self.registered.update(self.known)
        ids = list({values["household_id"] for values in self.known.values()} - self.numbers.keys())
        for households in in_batches(Household.objects, "pk", ids):
            self.numbers.update(households.values_list("pk", "number"))
        for person in self.persons:
            found = self.known.get(person.id_hash)
            if found is None:
                continue
            number = self.numbers[found["household_id"]]
            masked = mask_id_number(person.id_number)
            if not number.startswith(self.county.code):
                message = (
                    _(
                        "This person left a household of another county: receive them on the "
                        "page of arriving moves (迁入)."
                    )
                    if found["left_on"]
                    else _("This ID number already belongs to a household of another county.")
                )
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
            for persons in in_batches(current, "household_id", list(numbers))
            for pk in persons.values_list("pk", flat=True)
            if pk not in self.in_file
        ]
        self.report.missing = sorted(
            (numbers[person.household_id], person.name, person.masked_id_number)
            for persons in in_batches(current, "pk", missing)
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
            if not (entry["changes"] or entry["in"] or any(to for _name, to in entry["out"])):
                continue  # only members left out, who stay registered (report.missing)
            entry["warnings"] = []
            if entry["out"] and not self.kept[number] and number in self.households:
                entry["warnings"].append("all_members_replaced")
            report.households.updated += 1
            entries.append(entry)
        listed = {entry["number"] for entry in entries}
        report.households.unchanged = sum(1 for number in self.existing if number not in listed)
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


def in_batches(queryset, field, values):
    """``queryset`` narrowed to ``field`` in ``values``, one unordered queryset per batch.

    Unordered, and the callers read one table at a time: the planner's statistics do not
    count the rows the import has written so far in its transaction, and a join or sort
    planned on them once turned a lookup quadratic (minutes instead of milliseconds).

    On PostgreSQL a batch is a single array parameter (``= ANY(%s)``): thousands of separate
    parameters cost more to build and to parse than the database takes to answer.
    """
    queryset = queryset.order_by()
    if connection.vendor != "postgresql":
        for chunk in chunks(values):
            yield queryset.filter(**{f"{field}__in": chunk})
        return
    for chunk in chunks(values, 20 * BATCH):
        yield queryset.filter(_AnyOf(F(field), chunk))


class _AnyOf(Lookup):
    """``field = ANY(array)``: the values go to PostgreSQL as one array."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        array, values = any_array(self.rhs, self.lhs.output_field.db_type(connection))
        return f"{lhs} = ANY({array})", [*params, values]


def chunks(items, size=BATCH):
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _recency(person):
    """Orders the records of one ID number: the current one last, else by the day left."""
    left_on = person["left_on"]
    return (left_on is None, left_on or datetime.date.min)
