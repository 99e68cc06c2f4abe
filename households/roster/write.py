"""The write of a planned import: COPY of new rows, updates with history, all in the import's
transaction."""

import copy

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from households.models import (
    CadreAssignment,
    Household,
    MemberChange,
    Person,
    StatusChange,
)
from households.roster.columns import PERSON_COLUMNS, person_field
from households.roster.plan import BATCH, in_batches


class Writing:
    """The writing side of `_Roster`."""

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
        for persons in in_batches(Person.objects, "pk", leaving):
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
        for links in in_batches(through.objects, "household_id", replaced):
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
        for assignments in in_batches(
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
        """Write the planned changes of registered persons. A person who moved leaves the old
        household, dated, and continues in the new one as a new record (as a member change
        does), so that both households' files tell it."""
        if not self.changed_persons:
            return
        wanted = {pk: values for pk, values, _moved_to in self.changed_persons}
        moved_to = {pk: number for pk, _values, number in self.changed_persons if number}
        persons = [
            person for batch in in_batches(Person.objects, "pk", list(wanted)) for person in batch
        ]
        left = [person for person in persons if person.pk in moved_to]
        for person in left:
            person.left_on = self.today
        self.update(left, Person, {"left_on"})
        fields = {"is_head"}
        joined = []
        for person in persons:
            values = wanted[person.pk]
            if person.pk in moved_to:
                old, person = person, copy.copy(person)
                person.pk, person.left_on, person.came_from_id = None, None, old.pk
                person.household_id = self.pks[moved_to[old.pk]]
                person._state.adding = True
                joined.append(person)
            for key, value in values.items():
                setattr(person, key, value)
                fields.add(key)
            person.relation = self.items[person.relation_id]
            person.derive_from_id_number()
        self.update([person for person in persons if person.pk not in moved_to], Person, fields)
        bulk_create_with_history(
            joined,
            Person,
            batch_size=BATCH,
            default_user=self.user,
            default_change_reason=self.reason,
        )
        self.continued = {person.came_from_id: person.pk for person in joined}

    def record_moves(self):
        """A member change in both households of each move: a split where the person goes to
        a household new in this roster, a move out and in otherwise."""
        changes = []
        for move in self.moves:
            out, into = (
                (MemberChange.Kind.MOVED_OUT, MemberChange.Kind.MOVED_IN)
                if move.to_number in self.existing
                else (MemberChange.Kind.SPLIT, MemberChange.Kind.SPLIT)
            )
            left = _("Moved to household %(number)s by the roster import.")
            joined = _("Moved from household %(number)s by the roster import.")
            changes += [
                MemberChange(
                    household_id=move.from_pk,
                    person_id=move.pk,
                    kind=out,
                    note=left % {"number": move.to_number},
                    destination_id=move.to_number[:12],  # the village of the new household
                    date=self.today,
                    recorded_by_id=self.recorded_by_id,
                ),
                MemberChange(
                    household_id=self.pks[move.to_number],
                    person_id=self.continued[move.pk],
                    kind=into,
                    note=joined % {"number": move.from_number},
                    date=self.today,
                    recorded_by_id=self.recorded_by_id,
                ),
            ]
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
