"""Public notices (公示/公告) and their objections: the one home of their rules, for the
notices of identification (households) and of exit (assessments).

A notice runs from its date to ``notice_until`` (both days included), at least NOTICE_MIN_DAYS
days, and names the body that issued it and a phone for complaints. Objections are received
within the period and resolved: upheld (the candidate or the exit is stopped) or dismissed,
with the finding. The next step of the procedure waits until the period is over and no
objection is open.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _


class NoticeError(ValueError):
    """A rule of notices refused the change; the message is for the user."""


def check_notice(
    *, date: datetime.date, notice_until: datetime.date | None, issued_by: str, phone: str
) -> None:
    """Refuse a notice without its period, its issuing body or its complaint phone."""
    days = settings.NOTICE_MIN_DAYS
    if notice_until is None or (notice_until - date).days + 1 < days:
        raise NoticeError(
            _("A public notice runs at least %(days)s days: give the last day of its period.")
            % {"days": days}
        )
    if not issued_by.strip():
        raise NoticeError(_("Name the body that issues the notice."))
    if not phone.strip():
        raise NoticeError(_("Give the phone number for complaints printed on the notice."))


def check_step(
    previous,
    *,
    date: datetime.date,
    is_notice: bool,
    notice_until: datetime.date | None,
    issued_by: str,
    phone: str,
) -> None:
    """The notice rules of a procedure's next step: it waits for the ``previous`` step when
    that was a notice (None when there is none), and a step that is a notice states its period,
    issuer and phone."""
    if previous is not None and previous.is_notice:
        check_next_step(previous, date)
    if is_notice:
        check_notice(date=date, notice_until=notice_until, issued_by=issued_by, phone=phone)


def check_next_step(notice, date: datetime.date) -> None:
    """Refuse the step after ``notice`` (a step with ``notice_until`` and ``objections``) on
    ``date`` while the notice runs or an objection is open."""
    if notice.notice_until and date <= notice.notice_until:
        raise NoticeError(
            _("The notice runs until %(until)s: the next step comes after it.")
            % {"until": notice.notice_until}
        )
    if notice.objections.filter(resolved_on__isnull=True).exists():
        raise NoticeError(_("An objection to the notice is still open: resolve it first."))


def check_objection(notice, received_on: datetime.date, content: str) -> None:
    """Refuse an objection to a step that is no notice (None), or outside its period."""
    if notice is None or not notice.notice_until:
        raise NoticeError(_("Objections are raised during a public notice."))
    if not notice.date <= received_on <= notice.notice_until:
        raise NoticeError(
            _("The notice took objections from %(start)s to %(until)s.")
            % {"start": notice.date, "until": notice.notice_until}
        )
    if not content.strip():
        raise NoticeError(_("Write down the objection."))


def resolve(objection, *, upheld: bool, resolution: str, resolved_on: datetime.date) -> None:
    """Record the finding on ``objection`` (not saved: the caller saves it and stops the
    procedure when it is upheld)."""
    if objection.resolved_on:
        raise NoticeError(_("The objection is already resolved."))
    if not resolution.strip():
        raise NoticeError(_("Write down what the investigation found."))
    if not objection.received_on <= resolved_on <= timezone.localdate():
        raise NoticeError(
            _("An objection is resolved after it is received, and not later than today.")
        )
    objection.outcome = objection.Outcome.UPHELD if upheld else objection.Outcome.DISMISSED
    objection.resolution = resolution.strip()
    objection.resolved_on = resolved_on
