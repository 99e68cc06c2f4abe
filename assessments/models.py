"""Review and accountability (docs/domain.md §3.4): exit targets, exit reviews (脱贫验收), yearly
assessments of teams and cadres (述职考核) and their outcomes, inspections and rectifications.

Every row belongs to a township (through its team or its household) and is scoped by that
township's code, like the rows it reviews.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household
from households.models.identification import ObjectionRecord, PublicNotice
from ledgers.models import YEAR_VALIDATORS
from teams.locking import VersionedModel, VersionedScopedQuerySet
from teams.models import Area, Member, Team
from teams.scope import ScopedQuerySet


def _recorded_by():
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class ExitTarget(models.Model):
    """How many households of a township the county plans to bring out of poverty in a year."""

    township = models.ForeignKey(
        Area,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="exit_targets",
        limit_choices_to={"level": Area.Level.TOWNSHIP},
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    households = models.PositiveIntegerField(_("households to exit"))
    history = HistoricalRecords()

    scope_path = "township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exit target")
        verbose_name_plural = _("exit targets")
        ordering = ["township", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "year"],
                name="one_exit_target_per_township_year",
                violation_error_message=_("The township already has a target for this year."),
            ),
        ]

    def __str__(self):
        return f"{self.township} {self.year}: {self.households}"


class ExitReview(models.Model):
    """The exit of one household in one year (脱贫验收), step by step like identification."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="exit_reviews",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    per_capita = models.DecimalField(
        _("per-capita income at the proposal"), max_digits=12, decimal_places=2
    )
    exit_line = models.DecimalField(_("exit line"), max_digits=8, decimal_places=2)
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = _recorded_by()
    history = HistoricalRecords()

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exit review")
        verbose_name_plural = _("exit reviews")
        ordering = ["-year", "household"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="one_exit_review_per_household_year",
                violation_error_message=_("The household's exit is already under review."),
            ),
        ]

    def __str__(self):
        return _("Exit review %(year)s of %(household)s") % {
            "year": self.year,
            "household": self.household.number,
        }

    def get_absolute_url(self):
        return reverse("assessments:exit_review", args=[self.pk])


class ExitStep(PublicNotice):
    """One step of an exit: review, the household's agreement, public notice, announcement."""

    class Step(models.TextChoices):
        REVIEW = "review", _("Village and township review")
        AGREEMENT = "agreement", _("Household agreement")
        NOTICE = "notice", _("Public notice (公示)")
        ANNOUNCEMENT = "announcement", _("County announcement (公告)")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Rejected")

    #: Who records each step: the action of the permission table (teams.permissions).
    ACTIONS = {
        Step.REVIEW: "record_township_review",
        Step.AGREEMENT: "record_village_steps",
        Step.NOTICE: "record_village_steps",
        Step.ANNOUNCEMENT: "keep_registry",
    }

    review = models.ForeignKey(
        ExitReview, verbose_name=_("exit review"), on_delete=models.CASCADE, related_name="steps"
    )
    step = models.CharField(_("step"), max_length=12, choices=Step.choices)
    date = models.DateField(_("date"))
    responsible = models.CharField(_("responsible person"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _recorded_by()
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_path = "review__household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("exit step")
        verbose_name_plural = _("exit steps")
        ordering = ["review", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "step"], name="exit_step_once"),
        ]

    def __str__(self):
        return f"{self.get_step_display()} {self.date}"

    @property
    def is_notice(self):
        return self.step == self.Step.NOTICE


class ExitObjection(ObjectionRecord):
    """An objection to an exit, raised during its public notice."""

    step = models.ForeignKey(
        ExitStep, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="objections"
    )

    scope_path = "step__review__household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection to an exit")
        verbose_name_plural = _("objections to exits")
        ordering = ["step", "received_on", "pk"]


def exited_in(year: int) -> Q:
    """Households whose exit counts in ``year`` (the dashboard, the assessments): those whose
    exit review of ``year`` was announced (脱贫公告), whenever the announcement came, so a 2018
    review announced in January 2019 is a 2018 exit. A household out of poverty without an
    announced review here (a roster import of earlier years) counts by its exit date."""
    announced = ExitReview.objects.filter(
        steps__step=ExitStep.Step.ANNOUNCEMENT, steps__outcome=ExitStep.Outcome.PASSED
    )
    household = OuterRef("pk")
    return Exists(announced.filter(household=household, year=year)) | (
        ~Exists(announced.filter(household=household)) & Q(exited_on__year=year)
    )


class PovertyReturn(models.Model):
    """A household's return to poverty (返贫), with its steps: the household's application,
    the village's democratic review, the township's review and the county's approval, each
    dated, in that order, after the exit; the status change it made keeps the exit in the
    household's history."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="poverty_returns",
    )
    year = models.PositiveSmallIntegerField(_("year of the ledger"), validators=YEAR_VALIDATORS)
    cause = models.ForeignKey(
        "households.ReferenceItem",
        verbose_name=_("cause"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "cause"},
    )
    reason = models.TextField(_("what happened"))
    applied_on = models.DateField(_("applied on"))
    village_review_on = models.DateField(_("village's democratic review on"))
    township_review_on = models.DateField(_("township's review on"))
    approved_on = models.DateField(_("county's approval on"))
    status_change = models.OneToOneField(
        "households.StatusChange",
        verbose_name=_("status change"),
        on_delete=models.PROTECT,
        related_name="poverty_return",
    )
    recorded_by = _recorded_by()

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("return to poverty")
        verbose_name_plural = _("returns to poverty")
        ordering = ["household", "approved_on"]

    def __str__(self):
        return f"{self.household.number} {self.approved_on}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    GOOD = "good", _("Good (良好)")
    FAIR = "fair", _("Fair (一般)")
    POOR = "poor", _("Poor (较差)")


class AssessmentFields(VersionedModel):
    """What a yearly assessment (述职考核) holds: the ledger metrics as they stood when computed,
    and the county's own score, grade and comment."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    metrics = models.JSONField(_("metrics"), default=dict, editable=False)
    computed_at = models.DateTimeField(_("metrics computed at"), default=timezone.now)
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        abstract = True


class TeamAssessment(AssessmentFields):
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="assessments"
    )
    history = HistoricalRecords()

    scope_path = "team__township__code"
    objects = VersionedScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team assessment")
        verbose_name_plural = _("team assessments")
        ordering = ["-year", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="one_assessment_per_team_year"),
        ]

    def __str__(self):
        return f"{self.team} {self.year}"


class CadreAssessmentQuerySet(VersionedScopedQuerySet):
    def visible_to(self, user):
        """A personnel evaluation is for the offices that assess (county and above) and for the
        cadre assessed: township staff see their own, not their colleagues'."""
        rows = super().visible_to(user)
        if user.is_county_or_above:
            return rows
        member = getattr(user, "member", None)
        return rows.filter(member=member) if member else rows.none()


class CadreAssessment(AssessmentFields):
    member = models.ForeignKey(
        Member, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="assessments"
    )
    history = HistoricalRecords()

    scope_path = "member__team__township__code"
    objects = CadreAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre assessment")
        verbose_name_plural = _("cadre assessments")
        ordering = ["-year", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"], name="one_assessment_per_cadre_year"
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.year}"


class Outcome(VersionedModel):
    """What an assessment or inspection led to (§3.4): a circular, a deadline to fix things,
    a talk with the team leader, disciplinary accountability, or priority promotion."""

    class Kind(models.TextChoices):
        CIRCULAR = "circular", _("Circular (通报)")
        RECTIFY = "rectify", _("Rectification by a deadline (限期整改)")
        TALK = "talk", _("Talk with the team leader (约谈)")
        ACCOUNTABILITY = "accountability", _("Accountability (追责)")
        PROMOTION = "promotion", _("Priority promotion (优先提拔)")

    kind = models.CharField(_("outcome"), max_length=16, choices=Kind.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="outcomes"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcomes",
        help_text=_("Leave empty when the outcome concerns the whole team."),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    date = models.DateField(_("date"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    owner = models.CharField(_("responsible person"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(
        _("closing note"), blank=True, help_text=_("What was done, or why the matter is closed.")
    )
    recorded_by = _recorded_by()
    history = HistoricalRecords()

    scope_path = "team__township__code"
    objects = VersionedScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment outcome")
        verbose_name_plural = _("assessment outcomes")
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="rectify") | (Q(deadline__isnull=False) & ~Q(owner="")),
                name="rectify_outcome_has_deadline_and_owner",
                violation_error_message=_("A rectification needs a deadline and an owner."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member or self.team} {self.date}"


class Inspection(models.Model):
    """A regular or random inspection of a team (定期 / 不定期检查) and what it found."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular (定期)")
        RANDOM = "random", _("Random (不定期)")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="inspections"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    inspectors = models.CharField(_("inspectors"), max_length=200)
    findings = models.TextField(_("findings"))
    recorded_by = _recorded_by()
    history = HistoricalRecords()

    scope_path = "team__township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return _("Inspection of %(team)s on %(date)s") % {"team": self.team, "date": self.date}

    def get_absolute_url(self):
        return reverse("assessments:inspection", args=[self.pk])


class RectificationQuerySet(VersionedScopedQuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def overdue(self, day):
        """Past their deadline on ``day`` and not closed by then (a past day's figure counts
        the items closed later)."""
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day), deadline__lt=day)


class Rectification(VersionedModel):
    """An item an inspection asks the team to fix, by a deadline, with its closing evidence."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    item = models.CharField(_("what to fix"), max_length=300)
    owner = models.CharField(_("responsible person"), max_length=50)
    deadline = models.DateField(_("deadline"))
    progress = models.TextField(_("progress"), blank=True)
    evidence = models.TextField(_("closing evidence"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = HistoricalRecords()

    scope_path = "inspection__team__township__code"
    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | ~Q(evidence=""),
                name="closed_rectification_has_evidence",
                violation_error_message=_("Say what shows the item is fixed before closing it."),
            ),
        ]

    def __str__(self):
        return self.item[:60]


class FiguresSnapshot(models.Model):
    """The household figures of every township for a year, taken at a moment: what the
    dashboards above a county read (`assessments.dashboard.township_figures`), refreshed in
    the background once older than FIGURES_SNAPSHOT_MINUTES."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    #: The day the figures are of: the day they were taken, or the year's 31 December.
    day = models.DateField(_("figures as of"))
    taken_at = models.DateTimeField(_("taken at"))
    #: When a refresh was asked of the worker and has not finished yet.
    requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("figures snapshot")
        verbose_name_plural = _("figures snapshots")

    def __str__(self):
        return f"{self.year} @ {self.taken_at:%Y-%m-%d %H:%M}"


class TownshipFigures(models.Model):
    """One township's row of a snapshot: the count of each household figure (by name, as in
    `assessments.dashboard.HOUSEHOLD_FIGURES`) and the persons still in poverty."""

    snapshot = models.ForeignKey(
        FiguresSnapshot, on_delete=models.CASCADE, related_name="townships"
    )
    township = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    households = models.JSONField()
    persons = models.PositiveIntegerField()

    scope_path = "township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "township"], name="one_row_per_township")
        ]

    def __str__(self):
        return f"{self.township_id} ({self.snapshot})"


class TownshipBreakdown(models.Model):
    """The households and persons of a township still in poverty with one attribute and main
    cause, in a snapshot: summed by the database for the area a dashboard is of."""

    snapshot = models.ForeignKey(
        FiguresSnapshot, on_delete=models.CASCADE, related_name="breakdown"
    )
    township = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    attribute = models.ForeignKey(
        "households.ReferenceItem", null=True, on_delete=models.CASCADE, related_name="+"
    )
    main_cause = models.ForeignKey(
        "households.ReferenceItem", null=True, on_delete=models.CASCADE, related_name="+"
    )
    households = models.PositiveIntegerField()
    persons = models.PositiveIntegerField()

    scope_path = "township__code"
    objects = ScopedQuerySet.as_manager()

    def __str__(self):
        return f"{self.township_id} {self.attribute_id}/{self.main_cause_id} ({self.snapshot})"
