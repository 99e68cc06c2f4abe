"""The household roster (花名册) import: read, normalise, validate, plan and write, all or nothing.

The format is described in docs/roster.md: one row per person, the header found by its names,
household fields on the head's row, values mapped through the reference lists and their
synonyms. Every problem of the file is reported at once, with its Excel row; when there is any,
nothing is written. Households are matched by household number and persons by the keyed hash
of their ID number, so importing the same file twice changes nothing. The file itself is
checked and read by `households.roster.reading`.

The package: `columns` (the one column table), `reading` (file checks, sheets, rows), `rules`
(each row and cell), `plan` (against the database: the plan the preview shows and the write
carries out), `write`; `_Roster` below holds the state of one import and combines them.
"""

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.bulk import BulkWriter
from households.models import ReferenceItem
from households.roster.plan import (
    HouseholdRow,
    Move,
    PersonRow,
    Planning,
    Problem,
    RosterReport,
    chunks,
)
from households.roster.reading import STRIDE, RosterFile, RosterRefused  # noqa: F401
from households.roster.rules import REPAIRS, Rules, area_key  # noqa: F401
from households.roster.write import Writing
from households.sensitive import keyed_hasher, sealer
from teams.models import Area, Member

CHUNK = 10_000  # rows parsed, checked and written at a time


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
            for chunk in chunks(file.rows(), CHUNK):
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


class _Roster(Rules, Planning, Writing):
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
        #: The record each moved person continues as: old pk → new pk (`update_persons`).
        self.continued: dict[int, int] = {}
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
        """A problem of the row ``key`` (see `reading.STRIDE`), or of the whole file."""
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
