"""Workflows of the household registry: the only code that changes a household's status,
its contact cadre, its identification record and its members over time.

Views, the admin, the roster import and the commands call these functions; each one checks the
rule of the notice it enforces and records who did what and when.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from households import notices
from households.models import (
    Access,
    CadreAssignment,
    Disclosure,
    Finding,
    Household,
    IdentificationAssessment,
    IdentificationStep,
    ListKind,
    MemberChange,
    Objection,
    Person,
    ReferenceItem,
    StatusChange,
)
from teams import codes
from teams.models import Area, Member, User

Status = Household.Status
Step = IdentificationStep.Step

#: Which status may follow which (动态管理).
TRANSITIONS: dict[str, set[str]] = {
    Status.IDENTIFYING: {Status.REGISTERED, Status.CANCELLED},
    Status.REGISTERED: {Status.EXITED, Status.CANCELLED},
    Status.EXITED: {Status.RETURNED, Status.CANCELLED},
    Status.RETURNED: {Status.EXITED, Status.CANCELLED},
    Status.CANCELLED: set(),
}


class HouseholdError(Exception):
    """A rule of the registry refused the change; the message is for the user."""


def next_household_number(village: Area) -> str:
    """The village code and the next free 5-digit serial (the sample roster's convention).

    Called inside a transaction: the village's row stays locked until it commits, so that two
    households created at once in one village do not both take the same number.
    """
    Area.objects.select_for_update().filter(pk=village.pk).first()
    last = Household.objects.filter(village=village).aggregate(last=Max("number"))["last"]
    serial = int(last[12:]) + 1 if last else 1
    return f"{village.code}{serial:05d}"


@transaction.atomic
def household_create(*, household: Household, by: User | None, date: datetime.date) -> Household:
    """Save a new candidate household (识别中), numbered in its village when it has no number."""
    if not household.number:
        household.number = next_household_number(household.village)
    household.status = Status.IDENTIFYING
    household.status_since = date
    household.full_clean()
    household.save()
    StatusChange.objects.create(
        household=household,
        new_status=Status.IDENTIFYING,
        date=date,
        reason=_("Application"),
        recorded_by=by,
    )
    return household


@transaction.atomic
def household_change_status(
    *, household: Household, to: str, date: datetime.date, reason: str, by: User | None
) -> StatusChange:
    """Move a household along 识别中 → 已建档 → 已脱贫 ⇄ 返贫, or cancel it; record the change."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if to not in TRANSITIONS[household.status]:
        raise HouseholdError(
            _("A household that is “%(old)s” cannot become “%(new)s”.")
            % {"old": household.get_status_display(), "new": Status(to).label}
        )
    if not reason.strip():
        raise HouseholdError(_("Give the reason for the status change."))
    if household.status_since and date < household.status_since:
        raise HouseholdError(_("The date is before the household's current status began."))
    if to in Household.ACTIVE_STATUSES and not household.persons.current().filter(is_head=True):
        raise HouseholdError(_("A registered household needs a head of household (户主)."))
    change = StatusChange.objects.create(
        household=household,
        old_status=household.status,
        new_status=to,
        date=date,
        reason=reason.strip(),
        recorded_by=by,
    )
    household.status, household.status_since = to, date
    if to == Status.REGISTERED:
        household.registered_on = date
    elif to == Status.EXITED:
        household.exited_on = date
    household.save(update_fields=["status", "status_since", "registered_on", "exited_on"])
    return change


@transaction.atomic
def household_assign_cadre(
    *,
    household: Household,
    cadre: Member | None,
    date: datetime.date,
    reason: str,
    by: User | None,
) -> None:
    """Make ``cadre`` the household's one contact cadre, closing the current link.

    不脱贫、不脱钩 (粤扶办〔2016〕98号 §3.3): the link of a household that has not exited
    poverty ends only when a replacement is named.
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    if cadre is None and household.status not in {Status.EXITED, Status.CANCELLED}:
        raise HouseholdError(
            _(
                "The household has not exited poverty: name the new contact cadre instead of "
                "removing the link (不脱贫不脱钩)."
            )
        )
    if cadre is not None:
        if not cadre.serves(household.township_id):
            raise HouseholdError(
                _("The contact cadre must be a current member of the township's team.")
            )
        if cadre.pk == household.contact_cadre_id:
            raise HouseholdError(_("%(name)s is already the contact cadre.") % {"name": cadre})
    household.cadre_assignments.filter(end__isnull=True).update(end=date)
    if cadre is not None:
        CadreAssignment.objects.create(
            household=household, cadre=cadre, start=date, reason=reason, recorded_by=by
        )
    household.contact_cadre = cadre
    household.save(update_fields=["contact_cadre"])


@transaction.atomic
def cadre_hand_over(*, cadre: Member, to: Member, date: datetime.date, by: User | None) -> int:
    """Hand every household linked to ``cadre`` (who leaves the team) to ``to`` at once, each
    link closed and opened as `household_assign_cadre` does (不脱贫不脱钩). Returns how many."""
    if to.pk == cadre.pk:
        raise HouseholdError(_("Choose another cadre to hand the households to."))
    households = list(Household.objects.filter(contact_cadre=cadre).order_by("number"))
    reason = _("Handed over from %(name)s") % {"name": cadre.name}
    for household in households:
        household_assign_cadre(household=household, cadre=to, date=date, reason=reason, by=by)
    return len(households)


@transaction.atomic
def identification_record_step(
    *,
    household: Household,
    step: str,
    date: datetime.date,
    responsible: str,
    outcome: str,
    by: User | None,
    notice_until: datetime.date | None = None,
    issued_by: str = "",
    complaint_phone: str = "",
    note: str = "",
) -> IdentificationStep:
    """Record the next step of precise identification (精准识贫), in order.

    Each step follows a passed previous step; a notice (公示) has an end date; a rejection ends
    the procedure (the candidate is cancelled) and county approval registers the household.
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Status.IDENTIFYING:
        raise HouseholdError(_("Only a household being identified goes through identification."))
    steps = list(Step)
    done = list(household.identification_steps.order_by("date", "pk"))
    expected = steps[len(done)] if len(done) < len(steps) else None
    if step != expected:
        raise HouseholdError(
            _("The next step is “%(step)s”.") % {"step": Step(expected).label}
            if expected
            else _("Identification is complete.")
        )
    if done and date < done[-1].date:
        raise HouseholdError(_("A step cannot be dated before the previous one."))
    if date > timezone.localdate():
        raise HouseholdError(_("A step cannot be dated in the future."))
    is_notice = step in IdentificationStep.NOTICES
    try:
        notices.check_step(
            done[-1] if done else None,
            date=date,
            is_notice=is_notice,
            notice_until=notice_until,
            issued_by=issued_by,
            phone=complaint_phone,
        )
    except notices.NoticeError as exc:
        raise HouseholdError(str(exc)) from exc
    if not responsible.strip():
        raise HouseholdError(_("Name the person responsible for this step."))
    if step == Step.COUNTY_APPROVAL and outcome == IdentificationStep.Outcome.PASSED:
        _check_no_excluding_finding(household)
    recorded = IdentificationStep(
        household=household,
        step=step,
        date=date,
        responsible=responsible.strip(),
        outcome=outcome,
        notice_until=notice_until if is_notice else None,
        issued_by=issued_by.strip() if is_notice else "",
        complaint_phone=complaint_phone.strip() if is_notice else "",
        note=note,
        recorded_by=by,
    )
    recorded.full_clean()
    recorded.save()
    label = str(Step(step).label)
    if outcome == IdentificationStep.Outcome.REJECTED:
        household_change_status(
            household=household,
            to=Status.CANCELLED,
            date=date,
            reason=_("Not identified: %(step)s") % {"step": label},
            by=by,
        )
    elif step == Step.COUNTY_APPROVAL:
        household_change_status(
            household=household, to=Status.REGISTERED, date=date, reason=label, by=by
        )
    return recorded


def _check_no_excluding_finding(household: Household) -> None:
    """七不进: a household an excluding list names is not registered while the match waits
    for review or was confirmed (households.crosschecks)."""
    excluding = ListKind.objects.filter(effect=ListKind.Effect.EXCLUDING)
    pending = (
        Finding.objects.unscoped()
        .pending()
        .filter(household=household, kind__in=excluding.values("code"))
    )
    names = sorted({str(kind) for kind in excluding.filter(code__in=pending.values("kind"))})
    if names:
        raise HouseholdError(
            _(
                "The household is on an excluding list (七不进: %(lists)s): review that finding "
                "before the county approves it."
            )
            % {"lists": "、".join(names)}
        )


def objection_record(
    *, step: IdentificationStep, received_on: datetime.date, content: str
) -> Objection:
    """An objection to a candidate, raised during one of its public notices."""
    try:
        notices.check_objection(step if step.is_notice else None, received_on, content)
    except notices.NoticeError as exc:
        raise HouseholdError(str(exc)) from exc
    return Objection.objects.create(step=step, received_on=received_on, content=content.strip())


@transaction.atomic
def objection_resolve(
    *,
    objection: Objection,
    upheld: bool,
    resolution: str,
    resolved_on: datetime.date,
    by: User | None,
) -> Objection:
    """The finding on an objection. Upheld, the notice fails and the candidate is cancelled
    (识别不通过); dismissed, the procedure goes on once no objection is open."""
    objection = Objection.objects.select_for_update().select_related("step").get(pk=objection.pk)
    try:
        notices.resolve(objection, upheld=upheld, resolution=resolution, resolved_on=resolved_on)
    except notices.NoticeError as exc:
        raise HouseholdError(str(exc)) from exc
    objection.save()
    step = objection.step
    if upheld and step.outcome != IdentificationStep.Outcome.REJECTED:
        step.outcome = IdentificationStep.Outcome.REJECTED
        step.save(update_fields=["outcome"])
        household_change_status(
            household=step.household,
            to=Status.CANCELLED,
            date=resolved_on,
            reason=_("Objection upheld: %(finding)s") % {"finding": objection.resolution},
            by=by,
        )
    return objection


@transaction.atomic
def assessment_record(
    *,
    household: Household,
    items: Iterable[ReferenceItem],
    assessed_on: datetime.date,
    assessors: str,
    note: str,
    by: User | None,
) -> IdentificationAssessment:
    """Which 四看/五优先/六进/七不进 items applied to a candidate, and who assessed it."""
    if not assessors.strip():
        raise HouseholdError(_("Name who assessed the household."))
    assessment = IdentificationAssessment.objects.create(
        household=household,
        assessed_on=assessed_on,
        assessors=assessors.strip(),
        note=note,
        recorded_by=by,
    )
    assessment.items.set(items)
    return assessment


@transaction.atomic
def member_change_record(
    *,
    person: Person,
    kind: str,
    date: datetime.date,
    by: User | None,
    note: str = "",
    joins: Household | None = None,
    relation: ReferenceItem | None = None,
    destination: Area | None = None,
) -> MemberChange:
    """Record a birth, death, marriage, move or split; a leaving person stays in the file, dated.

    The head cannot leave while still head: name the new head first (one head per household).
    A person who leaves to join ``joins``, a household the user reached, continues there as a
    new record with ``relation`` (a split always does); one who leaves for another county names
    it as ``destination``, where that county receives them (`member_receive`).
    """
    household = person.household
    _check_not_future(date)
    if kind in MemberChange.LEAVING:
        if person.left_on:
            raise HouseholdError(_("%(name)s has already left the household.") % {"name": person})
        if person.is_head:
            raise HouseholdError(
                _("%(name)s is the head of household: name the new head first.") % {"name": person}
            )
    if joins is not None and (kind not in MemberChange.JOINING or joins == household):
        raise HouseholdError(_("A marriage, a move or a split joins another household."))
    if kind == MemberChange.Kind.SPLIT and joins is None:
        raise HouseholdError(_("A split moves the person to another household."))
    change = MemberChange.objects.create(
        household=household,
        person=person,
        kind=kind,
        date=date,
        note=note,
        destination=joins.village if joins else destination,
        recorded_by=by,
    )
    if kind in MemberChange.LEAVING:
        person.left_on = date
        person.save()
    if joins is not None:
        _continue(change, joins, relation, date=date, by=by)
    return change


def _check_not_future(date: datetime.date) -> None:
    if date > timezone.localdate():
        raise HouseholdError(_("A member change cannot be dated in the future."))


def _continue(
    left: MemberChange,
    household: Household,
    relation: ReferenceItem | None,
    *,
    date: datetime.date,
    by: User | None,
) -> Person:
    """The person of ``left`` joins ``household`` as a new record that continues the old one;
    the household records the joining change that matches the way they left."""
    person = left.person
    _check_not_future(date)
    if person.continuations.exists():
        raise HouseholdError(_("%(name)s has already been received.") % {"name": person})
    if date < left.date:
        raise HouseholdError(_("A person joins a household on or after the day they left."))
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status == Status.CANCELLED:
        raise HouseholdError(_("A cancelled household takes no new members."))
    if relation is None or relation.kind != ReferenceItem.Kind.RELATION:
        raise HouseholdError(_("Choose the person's relation to the new household's head."))
    if relation.name == Person.HEAD and household.persons.filter(is_head=True):
        raise HouseholdError(_("The household already has a head."))
    kept = {"id", "household", "relation", "left_on", "came_from", "is_head", "id_number_hash"}
    joined = Person(
        **{
            field.attname: getattr(person, field.attname)
            for field in Person._meta.concrete_fields
            if field.name not in kept
        },
        household=household,
        relation=relation,
        came_from=person,
    )
    joined.save()
    MemberChange.objects.create(
        household=household,
        person=joined,
        kind=MemberChange.JOINING[MemberChange.Kind(left.kind)],
        date=date,
        note=left.note,
        recorded_by=by,
    )
    return joined


@transaction.atomic
def member_receive(
    *,
    left: MemberChange,
    household: Household,
    relation: ReferenceItem,
    date: datetime.date,
    by: User | None,
) -> Person:
    """Receive a person who moved out of another area to this one into ``household``."""
    return _continue(left, household, relation, date=date, by=by)


@transaction.atomic
def household_move_out(
    *, household: Household, destination: Area, date: datetime.date, reason: str, by: User | None
) -> StatusChange:
    """The whole household moves to ``destination``, another county, which receives it
    (`household_receive`): every member leaves, the household is cancelled and its contact
    cadre's link ends. Its file, ledger and history stay where they are."""
    if destination.level != Area.Level.COUNTY or household.village_id.startswith(destination.code):
        raise HouseholdError(_("A household moves out to another county."))
    _check_not_future(date)
    if not household.persons.current().exists():
        raise HouseholdError(_("The household has no current members to move."))
    why = _("Moved to %(county)s: %(reason)s") % {"county": destination.name, "reason": reason}
    change = household_change_status(
        household=household, to=Status.CANCELLED, date=date, reason=why, by=by
    )
    for person in household.persons.current():
        person.left_on = date
        person.save()
        MemberChange.objects.create(
            household=household,
            person=person,
            kind=MemberChange.Kind.MOVED_OUT,
            date=date,
            note=reason,
            destination=destination,
            recorded_by=by,
        )
    household_assign_cadre(household=household, cadre=None, date=date, reason=why, by=by)
    return change


@transaction.atomic
def household_receive(
    *, moved: Household, village: Area, date: datetime.date, by: User | None
) -> Household:
    """Receive ``moved``, a household that moved out of another county to this one, as a new
    household of ``village``: its members continue there, its status and indicators are kept,
    and it is numbered in its new village."""
    refused = _("Only a household that moved out to this county is received.")
    if moved.status != Status.CANCELLED or moved.status_since is None:
        raise HouseholdError(refused)
    moves = list(
        moved.changes.filter(kind=MemberChange.Kind.MOVED_OUT, date=moved.status_since)
        .select_related("person__relation", "destination")
        .order_by("-person__is_head")
    )
    if not moves or not village.code.startswith(moves[0].destination_id or "-"):
        raise HouseholdError(refused)
    if moved.continuations.exists():
        raise HouseholdError(_("The household has already been received."))
    if date < moves[0].date:
        raise HouseholdError(_("A household is received on or after the day it left."))
    before = moved.status_changes.order_by("-date", "-pk").values_list("old_status", flat=True)[0]
    kept = {"id", "village", "number", "contact_cadre", "status", "status_since", "came_from"}
    household = Household(
        **{
            field.attname: getattr(moved, field.attname)
            for field in Household._meta.concrete_fields
            if field.name not in kept
        },
        village=village,
        number=next_household_number(village),
        status=before,
        status_since=date,
        came_from=moved,
    )
    household.save()
    household.other_causes.set(moved.other_causes.all())
    for move in moves:
        _continue(move, household, move.person.relation, date=date, by=by)
    StatusChange.objects.create(
        household=household,
        old_status=before,
        new_status=before,
        date=date,
        reason=_("Received from %(county)s")
        % {"county": Area.objects.unscoped().get(code=codes.county_of(moved.village_id)).name},
        recorded_by=by,
    )
    return household


@transaction.atomic
def household_change_head(
    *,
    household: Household,
    new_head: Person,
    old_head_relation: ReferenceItem,
    by: User | None,
    date: datetime.date,
) -> MemberChange:
    """Make ``new_head``, a current member, the head of household (户主).

    The old head takes ``old_head_relation`` first, then the new head becomes 户主: the
    household never has two heads (the database allows one). Both edits keep their history;
    the change is recorded as a member change.
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    person = household.persons.current().filter(pk=new_head.pk).first()
    if person is None:
        raise HouseholdError(
            _("%(name)s is not a current member of the household.") % {"name": new_head}
        )
    if person.is_head:
        raise HouseholdError(_("%(name)s is already the head of household.") % {"name": person})
    if (
        old_head_relation.kind != ReferenceItem.Kind.RELATION
        or old_head_relation.name == Person.HEAD
    ):
        raise HouseholdError(_("Choose the old head's new relation to the head (not 户主)."))
    old_head = household.persons.filter(is_head=True).first()
    note = _("Became head of household.")
    if old_head is not None:
        old_head.relation = old_head_relation
        old_head.save()
        note = _("Became head of household in place of %(old)s.") % {"old": old_head}
    person.relation = ReferenceItem.objects.get(kind=ReferenceItem.Kind.RELATION, name=Person.HEAD)
    person.save()
    return MemberChange.objects.create(
        household=household,
        person=person,
        kind=MemberChange.Kind.OTHER,
        date=date,
        note=note,
        recorded_by=by,
    )


def disclosure_log(
    *,
    action: str,
    user: User | None,
    area_code: str,
    record: str,
    reason: str,
    field: str = "",
    actor: str = "",
) -> Disclosure:
    """Log a look at unmasked personal information: who, when, which record, why (PIPL)."""
    if not reason.strip():
        raise HouseholdError(_("Give the reason for seeing the full value."))
    return Disclosure.objects.create(
        action=action,
        user=user,
        actor=actor or (user.get_username() if user else ""),
        area_code=area_code,
        record=record,
        field=field,
        reason=reason.strip(),
    )


def log_access(
    request: HttpRequest, kind: str, household: Household | None = None, *, area_code: str = ""
) -> Access:
    """One row of the access log for this page view (see `Access`); pages need a login."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return Access.objects.create(
        user=user,
        actor=user.get_username(),
        kind=kind,
        household_number=household.number if household else "",
        area_code=household.village_id if household else area_code,
        path=request.get_full_path()[:300],
    )


def townships_without_team(user: Any) -> QuerySet[Area]:
    """Townships in the user's scope with registered households and no team: a finding (§1)."""
    return (
        Area.objects.visible_to(user)
        .filter(
            level=Area.Level.TOWNSHIP,
            team__isnull=True,
            children__households__status__in=Household.ACTIVE_STATUSES,
        )
        .distinct()
        .order_by("code")
    )
