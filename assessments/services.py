"""Workflows of review and accountability: proposing and recording exits (脱贫验收) and
computing the yearly assessment metrics from the ledgers (述职考核)."""

import datetime
import itertools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    CadreAssessment,
    ExitObjection,
    ExitReview,
    ExitStep,
    ExitTarget,
    PovertyReturn,
    TeamAssessment,
    exited_in,
)
from households import notices
from households.models import Household, ReferenceItem, StatusChange
from households.services import (
    HouseholdError,
    household_assign_cadre,
    household_change_status,
)
from ledgers.models import (
    Guarantee,
    Income,
    Measure,
    Payment,
    Plan,
    PovertyStandard,
    Project,
    ProjectBudget,
    Visit,
)
from teams.models import Member, Team, User

Step = ExitStep.Step
STEP_ORDER = list(Step)


#: A team's or cadre's metrics of a year: counts, money (float) and ratios, stored as JSON.
Metrics = dict[str, Any]


class AssessmentError(Exception):
    """A rule of review refused the change; the message is for the user."""


def exit_candidates(households: QuerySet[Household], year: int) -> QuerySet[Household]:
    """Households still in poverty whose income of ``year`` reaches the year's exit line and
    whose three guarantees of the year are all met (docs/domain.md, the household record), and
    whose exit is not yet under review that year. Annotated with ``per_capita``."""
    line = PovertyStandard.objects.filter(year=year).values("exit_line")
    income = Income.objects.filter(household=OuterRef("pk"), year=year)
    unmet = Guarantee.objects.filter(household=OuterRef("pk"), year=year).filter(
        Guarantee.not_all_met()
    )
    return (
        households.filter(status__in=Household.ACTIVE_STATUSES)
        .annotate(per_capita=Subquery(income.values("per_capita")[:1]))
        .filter(
            per_capita__gte=Subquery(line),
            guarantees__year=year,
        )
        .exclude(Exists(unmet))
        .exclude(exit_reviews__year=year)
    )


@transaction.atomic
def exit_review_propose(
    *, household: Household, year: int, by: User | None, date: datetime.date
) -> ExitReview:
    """Open the exit review of a household that meets the exit rule in ``year``, proposed on
    ``date`` (a review done on paper earlier is entered with its date, never a future one)."""
    if date > timezone.localdate():
        raise AssessmentError(_("A proposal cannot be dated in the future."))
    candidate = exit_candidates(Household.objects.filter(pk=household.pk), year).first()
    standard = PovertyStandard.objects.filter(year=year).first()
    if candidate is None or standard is None:
        raise AssessmentError(
            _(
                "The household does not meet the exit rule of %(year)s: income at the exit line "
                "and the three guarantees met, not already under review."
            )
            % {"year": year}
        )
    return ExitReview.objects.create(
        household=household,
        year=year,
        per_capita=candidate.per_capita,  # type: ignore[attr-defined]  # exit_candidates
        exit_line=standard.exit_line,
        proposed_on=date,
        proposed_by=by,
    )


@transaction.atomic
def household_return_to_poverty(
    *,
    household: Household,
    year: int,
    applied_on: datetime.date,
    village_review_on: datetime.date,
    township_review_on: datetime.date,
    date: datetime.date,
    cause: ReferenceItem,
    reason: str,
    cadre: Member | None,
    by: User | None,
) -> StatusChange:
    """Take a household out of poverty back into it (返贫), on the evidence of its ledger and
    after its steps: the household applies, the village reviews it democratically, the
    township reviews it, the county approves on ``date`` (each step on or after the one
    before, all after the exit, none in the future).

    The ledger of ``year`` must show why: a per-capita income below the year's exit line, or a
    guarantee not met. The household's main cause becomes ``cause``; its contact cadre is kept
    (while still serving the township) or ``cadre`` takes over. The exit stays in the status
    history, and the household is helped again (不脱贫不脱钩).
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.EXITED:
        raise AssessmentError(_("Only a household out of poverty can return to poverty."))
    if date > timezone.localdate() or (household.exited_on and date < household.exited_on):
        raise AssessmentError(
            _("The date lies between the exit (%(exited)s) and today.")
            % {"exited": household.exited_on}
        )
    steps = [household.exited_on, applied_on, village_review_on, township_review_on, date]
    if any(later < earlier for earlier, later in itertools.pairwise(filter(None, steps))):
        raise AssessmentError(
            _(
                "The steps come in order: the exit, the application, the village's review, "
                "the township's review, the county's approval."
            )
        )
    if not reason.strip():
        raise AssessmentError(_("Write down what happened."))
    standard = PovertyStandard.objects.filter(year=year).first()
    income = Income.objects.filter(household=household, year=year).first()
    guarantee = Guarantee.objects.filter(household=household, year=year).first()
    below = income is not None and standard is not None and income.per_capita < standard.exit_line
    if not below and (guarantee is None or guarantee.all_met):
        raise AssessmentError(
            _(
                "The ledger of %(year)s shows neither an income below the exit line nor a "
                "guarantee not met: record the year's income or guarantees first."
            )
            % {"year": year}
        )
    if cadre is None and not (
        household.contact_cadre and household.contact_cadre.serves(household.township_id)
    ):
        raise AssessmentError(_("Name the contact cadre who helps the household now."))
    if cadre is not None and cadre.pk != household.contact_cadre_id:
        household_assign_cadre(
            household=household, cadre=cadre, date=date, reason=_("Return to poverty"), by=by
        )
    household.main_cause = cause
    household.save(update_fields=["main_cause"])
    change = household_change_status(
        household=household,
        to=Household.Status.RETURNED,
        date=date,
        reason=f"{cause.name}：{reason.strip()}",
        by=by,
    )
    PovertyReturn.objects.create(
        household=household,
        year=year,
        cause=cause,
        reason=reason.strip(),
        applied_on=applied_on,
        village_review_on=village_review_on,
        township_review_on=township_review_on,
        approved_on=date,
        status_change=change,
        recorded_by=by,
    )
    return change


@transaction.atomic
def exit_record_step(
    *,
    review: ExitReview,
    step: str,
    date: datetime.date,
    responsible: str,
    outcome: str,
    by: User | None,
    notice_until: datetime.date | None = None,
    issued_by: str = "",
    complaint_phone: str = "",
    note: str = "",
) -> ExitStep:
    """Record the next step of an exit: review → household agreement → public notice →
    announcement, in this order; a rejected step ends the review. A passed announcement takes
    the household out of poverty through the registry (已脱贫), keeping its history."""
    done = list(review.steps.order_by("pk"))
    if done and done[-1].outcome == ExitStep.Outcome.REJECTED:
        raise AssessmentError(_("The exit was rejected at “%(step)s”.") % {"step": done[-1]})
    expected = STEP_ORDER[len(done)] if len(done) < len(STEP_ORDER) else None
    if step != expected:
        raise AssessmentError(
            _("The next step is “%(step)s”.") % {"step": Step(expected).label}
            if expected
            else _("The exit review is complete.")
        )
    if not responsible.strip():
        raise AssessmentError(_("Name the person responsible for the step."))
    if done and date < done[-1].date:
        raise AssessmentError(_("A step cannot come before the previous one."))
    if date < review.proposed_on:
        raise AssessmentError(_("A step cannot come before the proposal."))
    if date > timezone.localdate():
        raise AssessmentError(_("A step cannot be dated in the future."))
    is_notice = step == Step.NOTICE
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
        raise AssessmentError(str(exc)) from exc
    recorded = ExitStep.objects.create(
        review=review,
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
    if step == Step.ANNOUNCEMENT and outcome == ExitStep.Outcome.PASSED:
        try:
            household_change_status(
                household=review.household,
                to=Household.Status.EXITED,
                date=date,
                reason=_("Exit announced after review (脱贫验收) %(year)s") % {"year": review.year},
                by=by,
            )
        except HouseholdError as exc:  # the registry's refusal, in its own words
            raise AssessmentError(str(exc)) from exc
    return recorded


def exit_objection_record(
    *, step: ExitStep, received_on: datetime.date, content: str
) -> ExitObjection:
    """An objection to an exit, raised during its public notice."""
    try:
        notices.check_objection(step if step.is_notice else None, received_on, content)
    except notices.NoticeError as exc:
        raise AssessmentError(str(exc)) from exc
    return ExitObjection.objects.create(step=step, received_on=received_on, content=content.strip())


@transaction.atomic
def exit_objection_resolve(
    *,
    objection: ExitObjection,
    upheld: bool,
    resolution: str,
    resolved_on: datetime.date,
    by: User | None,
) -> ExitObjection:
    """The finding on an objection to an exit. Upheld, the notice fails and the review ends
    (the household stays in poverty); dismissed, the review goes on once none is open."""
    objection = (
        ExitObjection.objects.select_for_update().select_related("step").get(pk=objection.pk)
    )
    try:
        notices.resolve(objection, upheld=upheld, resolution=resolution, resolved_on=resolved_on)
    except notices.NoticeError as exc:
        raise AssessmentError(str(exc)) from exc
    objection.save()
    if upheld:
        objection.step.outcome = ExitStep.Outcome.REJECTED
        objection.step.note = _("Objection upheld: %(finding)s") % {"finding": objection.resolution}
        objection.step.save(update_fields=["outcome", "note"])
    return objection


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def team_metrics(teams: Iterable[Team], year: int) -> dict[int, Metrics]:
    """The ledger metrics of each team's township for ``year``, a constant number of queries:
    coverage (households still in poverty with a current contact cadre), visits, yearly plans,
    measures done against all measures of the year (plan completion), exits against the target,
    and funds paid against budgets.

    Funds paid against budgets: the township's projects running in the year (started by its
    end, not ended before its start); ``paid`` is the net total of their payments dated in the
    year (a reversal counts negative, in the year it is recorded), ``budgeted`` the total of
    their budgets over every fund source, ``funds_against_budget`` the ratio of the two."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    townships = {team.township_id: team.pk for team in teams}
    metrics: dict[int, Metrics] = {team.pk: {} for team in teams}
    active = Q(status__in=Household.ACTIVE_STATUSES)
    households = (
        Household.objects.filter(village__parent__in=townships)
        .values("village__parent")
        .annotate(
            in_poverty=Count("pk", filter=active),
            linked=Count(
                "pk",
                filter=active & Q(contact_cadre__isnull=False, contact_cadre__left__isnull=True),
            ),
            planned=Count(
                "pk",
                filter=active
                & Exists(
                    Plan.objects.filter(household=OuterRef("pk"), kind=Plan.Kind.YEARLY, year=year)
                ),
            ),
            exited=Count("pk", filter=exited_in(year)),
        )
        .order_by()
    )
    for row in households:
        metrics[townships[row.pop("village__parent")]].update(row)
    visits = (
        Visit.objects.filter(
            household__village__parent__in=townships, date__gte=start, date__lte=end
        )
        .values("household__village__parent")
        .annotate(visits=Count("pk"), visited=Count("household", distinct=True))
        .order_by()
    )
    for row in visits:
        metrics[townships[row.pop("household__village__parent")]].update(row)
    measures = (
        Measure.objects.filter(
            household__village__parent__in=townships, date__gte=start, date__lte=end
        )
        .values("household__village__parent")
        .annotate(
            measures=Count("pk"),
            measures_done=Count("pk", filter=Q(status=Measure.Status.DONE)),
        )
        .order_by()
    )
    for row in measures:
        metrics[townships[row.pop("household__village__parent")]].update(row)
    projects = Project.objects.filter(
        township__in=townships, starts_on__lte=end, ends_on__gte=start
    ).values("pk")
    for name, rows in [
        ("budgeted", ProjectBudget.objects.filter(project__in=projects)),
        ("paid", Payment.objects.filter(project__in=projects, date__gte=start, date__lte=end)),
    ]:
        totals = rows.values("project__township").annotate(total=Sum("amount")).order_by()
        for row in totals:
            metrics[townships[row["project__township"]]][name] = row["total"]
    for target in ExitTarget.objects.filter(township__in=townships, year=year):
        metrics[townships[target.township_id]]["exit_target"] = target.households
    return {pk: _finish(values) for pk, values in metrics.items()}


def _finish(values: Metrics) -> Metrics:
    """Fill the missing counts with zero, money as float (JSON), and the ratios."""
    for name in ["in_poverty", "linked", "planned", "exited", "visits", "visited", "measures",
                 "measures_done"]:  # fmt: skip
        values.setdefault(name, 0)
    for name in ["budgeted", "paid"]:
        values[name] = float(values.get(name) or 0)
    values.setdefault("exit_target", None)
    values["coverage"] = _ratio(values["linked"], values["in_poverty"])
    values["plan_completion"] = _ratio(values["measures_done"], values["measures"])
    values["exits_against_target"] = _ratio(values["exited"], values["exit_target"] or 0)
    values["funds_against_budget"] = _ratio(values["paid"], values["budgeted"])
    return values


def cadre_metrics(members: Iterable[Member], year: int) -> dict[int, Metrics]:
    """Each cadre's year: households linked now, visits made, their households exited in the
    year, measures of the year they are responsible for, and their plan completion: measures
    done against all those measures."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    pks = [member.pk for member in members]
    metrics: dict[int, Metrics] = {pk: {} for pk in pks}
    for name, rows in [
        (
            "households",
            Household.objects.filter(contact_cadre__in=pks)
            .values("contact_cadre")
            .annotate(
                households=Count("pk", filter=Q(status__in=Household.ACTIVE_STATUSES)),
                exited=Count("pk", filter=exited_in(year)),
            ),
        ),
        (
            "visits",
            Visit.objects.filter(cadre__in=pks, date__gte=start, date__lte=end)
            .values("cadre")
            .annotate(visits=Count("pk")),
        ),
        (
            "measures",
            Measure.objects.filter(responsible__in=pks, date__gte=start, date__lte=end)
            .values("responsible")
            .annotate(
                measures=Count("pk"),
                measures_done=Count("pk", filter=Q(status=Measure.Status.DONE)),
            ),
        ),
    ]:
        key = {"households": "contact_cadre", "visits": "cadre", "measures": "responsible"}[name]
        for row in rows.order_by():
            metrics[row.pop(key)].update(row)
    for values in metrics.values():
        for name in ["households", "exited", "visits", "measures", "measures_done"]:
            values.setdefault(name, 0)
        values["plan_completion"] = _ratio(values["measures_done"], values["measures"])
    return metrics


@transaction.atomic
def assessments_compute(*, teams: Iterable[Team], year: int) -> int:
    """Snapshot the metrics of ``year`` into each team's assessment and the assessment of
    each cadre who served in that year, keeping the scores, grades and comments already given;
    an ungraded assessment of a cadre who did not serve that year goes. Returns the teams
    assessed."""
    teams = list(teams)
    now = timezone.now()
    for pk, values in team_metrics(teams, year).items():
        TeamAssessment.objects.update_or_create(
            team_id=pk, year=year, defaults={"metrics": values, "computed_at": now}
        )
    members = list(Member.objects.filter(team__in=teams).served_in(year))
    CadreAssessment.objects.filter(
        member__team__in=teams, year=year, score__isnull=True, grade=""
    ).exclude(member__in=members).delete()
    for pk, values in cadre_metrics(members, year).items():
        CadreAssessment.objects.update_or_create(
            member_id=pk, year=year, defaults={"metrics": values, "computed_at": now}
        )
    return len(teams)
