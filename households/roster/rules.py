"""The rules of a roster's rows and cells, each row on its own: repairs, references, villages,
cadres, every problem of a row reported at once."""

import datetime
import difflib
import operator
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    Person,
    ReferenceItem,
)
from households.roster.columns import (
    COLUMNS,
    HOUSEHOLD_REFERENCES,
    PERSON_COLUMNS,
    PERSON_REFERENCES,
    REQUIRED_COLUMNS,
    SEALED_REFERENCES,
)
from households.roster.plan import HouseholdRow, PersonRow
from households.roster.reading import RosterRefused
from households.sensitive import mask_phone
from teams import codes
from teams.phones import is_phone

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


SEPARATORS = re.compile(r"[、,，;；\s]+")
HOUSEHOLD_NUMBER = re.compile(r"[0-9]{17}")  # ASCII only: \d also takes other scripts' digits
DATE = re.compile(r"([0-9]{4})(?:[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))")
#: Where a new person's stored values (PersonRow.stored) hold the ID number and its hash.
ID_AT, HASH_AT = map(PERSON_COLUMNS.index, ["id_number", "id_number_hash"])
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
    """Whether the cells hold nothing but spaces; a filled row stops at its first filled cell.
    (A loop, as this runs for every row: any() over a generator costs twice as much.)"""
    for cell in cells:  # noqa: SIM110 (see above)
        if str(cell).strip():
            return False
    return True


class Rules:
    """Parsing and checking of `_Roster` (see households.roster)."""

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
        # the positions of the sealed ones in a new person's stored values (PersonRow.stored)
        self.sealed_positions = [
            len(PERSON_COLUMNS) + i
            for i, (key, *_rest) in enumerate(self.person_references)
            if key in SEALED_REFERENCES
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
        self.seal_chunk()

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
        # Derived (as Person.derive_from_id_number does) now, while the database is busy with
        # the chunk before; the ID number and the sealed references are hashed and sealed with
        # the whole chunk (`seal_chunk`).
        stored = [
            name,
            id_number,
            "",
            relation.pk,
            relation.name == Person.HEAD,
            Person.Sex.MALE if is_male(id_number) else Person.Sex.FEMALE,
            birth_date(id_number),
            *person_values.values(),
        ]
        person = PersonRow(row, number, name, id_number, "", relation, person_values, stored)
        return id_number, person

    def seal_chunk(self):
        """Hash and seal the chunk's ID numbers and sealed references, one kind of value at a
        time. Called between each row's other work, OpenSSL took twice as long for a value
        (its state had left the processor's caches): 1.7 s instead of 0.8 s for 73,753 persons.
        """
        persons = self.persons
        ids = [person.id_number for person in persons]
        hashes, sealed = list(map(self.hash, ids)), list(map(self.seal, ids))
        for person, id_hash, sealed_id in zip(persons, hashes, sealed, strict=True):
            person.id_hash = person.stored[HASH_AT] = id_hash
            person.stored[ID_AT] = sealed_id
        for position in self.sealed_positions:
            values = [person.stored[position] for person in persons]
            for person, value in zip(persons, values, strict=True):
                if value:
                    person.stored[position] = self.seal(value)

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
        # A blank cell keeps the recorded date; a new household is registered today (write).
        if "registered_on" in values and (day := self.clean_date(row, "registered_on", values)):
            household.values["registered_on"] = day
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
        if phone and not is_phone(phone):
            shown = mask_phone(phone) if len(phone) >= 8 else phone
            self.problem(row, self.names["phone"], shown, _("This is not a phone number."))
            return ""
        return phone

    def clean_date(self, row, key, values):
        """A date cell, or a date written as 2016-05-01, 2016/5/1, 2016.5.1, 2016年5月1日 or
        20160501; None when blank. A date after today is reported."""
        raw = values[key]
        if isinstance(raw, datetime.datetime):
            date = raw.date()
        elif isinstance(raw, datetime.date):
            date = raw
        else:
            text, repair = _text(raw)
            self.count(repair)
            if not text:
                return None
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


def _stored_as_number():
    return _(
        "Excel stored this number as a number, which loses its last digits. Format the "
        "column as text and type the numbers again."
    )
