"""Identification (精准识别): its steps, objections and the assessment of a candidate."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from households.models.reference import ReferenceItem
from households.models.registry import Household, _recorded_by
from teams.phones import validate_phone
from teams.scope import ScopedQuerySet


class PublicNotice(models.Model):
    """What a step that is a public notice (公示/公告) states: its period, who issued it, and
    where to complain (households.notices)."""

    notice_until = models.DateField(
        _("notice period ends"),
        null=True,
        blank=True,
        help_text=_("For the public notices: the last day objections are accepted."),
    )
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    complaint_phone = models.CharField(
        _("complaint phone"), max_length=30, blank=True, validators=[validate_phone]
    )

    class Meta:
        abstract = True


class ObjectionRecord(models.Model):
    """An objection raised during a public notice, and how it was resolved."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the procedure stops")
        DISMISSED = "dismissed", _("Dismissed")

    received_on = models.DateField(_("received on"))
    content = models.TextField(_("objection"))
    outcome = models.CharField(_("finding"), max_length=10, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.content[:40]


class IdentificationStep(PublicNotice):
    """One step of precise identification (精准识贫), in the order of `Step`."""

    class Step(models.TextChoices):
        APPLICATION = "application", _("Application")
        DEMOCRATIC_REVIEW = "democratic_review", _("Village democratic review (民主评议)")
        FIRST_NOTICE = "first_notice", _("Village check and first notice (公示)")
        TOWNSHIP_REVIEW = "township_review", _("Township review")
        SECOND_NOTICE = "second_notice", _("Second notice")
        COUNTY_APPROVAL = "county_approval", _("County approval and announcement (公告)")

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Rejected")

    NOTICES = [Step.FIRST_NOTICE, Step.SECOND_NOTICE]
    #: Who records each step: the action of the permission table (teams.permissions).
    ACTIONS = {
        Step.APPLICATION: "record_village_steps",
        Step.DEMOCRATIC_REVIEW: "record_village_steps",
        Step.FIRST_NOTICE: "record_village_steps",
        Step.TOWNSHIP_REVIEW: "record_township_review",
        Step.SECOND_NOTICE: "record_township_review",
        Step.COUNTY_APPROVAL: "keep_registry",
    }

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="identification_steps",
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    date = models.DateField(_("date"))
    responsible = models.CharField(_("responsible person"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _recorded_by()
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("identification step")
        verbose_name_plural = _("identification steps")
        ordering = ["household", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "step"], name="identification_step_once"),
            models.CheckConstraint(
                condition=Q(notice_until__isnull=True) | Q(notice_until__gte=F("date")),
                name="notice_ends_after_it_starts",
                violation_error_message=_("A notice cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.get_step_display()} {self.date}"

    @property
    def is_notice(self):
        return self.step in self.NOTICES


class Objection(ObjectionRecord):
    """An objection to a candidate, raised during one of its identification notices."""

    step = models.ForeignKey(
        IdentificationStep,
        verbose_name=_("notice"),
        on_delete=models.CASCADE,
        related_name="objections",
    )

    scope_path = "step__household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["step", "received_on", "pk"]


class IdentificationAssessment(models.Model):
    """Which 四看/五优先/六进/七不进 items applied to a candidate, and who assessed it."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="identification_assessments",
    )
    items = models.ManyToManyField(
        ReferenceItem,
        verbose_name=_("items that applied"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind__in": ReferenceItem.ASSESSMENT_KINDS},
    )
    assessed_on = models.DateField(_("assessed on"))
    assessors = models.CharField(_("assessed by"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _recorded_by()

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("identification assessment")
        verbose_name_plural = _("identification assessments")
        ordering = ["household", "assessed_on", "pk"]

    def __str__(self):
        return f"{self.assessed_on} {self.assessors}"
