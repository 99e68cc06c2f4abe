"""The team's work systems and presence on site (docs/domain.md §3.1, §3.3, §4)."""

import calendar
import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from teams.attachments import extension, validate_attachment
from teams.locking import VersionedModel, VersionedScopedQuerySet
from teams.models.areas import Area
from teams.models.organisation import Member, Team
from teams.scope import ScopedQuerySet

# The team's work systems and presence on site (docs/domain.md §3.1, §3.3, §4).


class WorkRecord(VersionedModel):
    """A dated record of the team's work systems (工作制度): who attended, what was decided."""

    class Kind(models.TextChoices):
        STUDY = "study", _("Study session")
        MEETING = "meeting", _("Meeting")
        ANALYSIS = "analysis", _("Analysis session")
        REPORT = "report", _("Situation report")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="work_records"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    attendees = models.ManyToManyField(
        Member, verbose_name=_("attendees"), blank=True, related_name="work_records"
    )
    content = models.TextField(_("content"))
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[attendees])

    scope_path = "team__township__code"
    objects = VersionedScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work record")
        verbose_name_plural = _("work records")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["team", "-date"], name="workrecord_team_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("teams:record_detail", args=[self.pk])


def attachment_path(instance, filename):
    # A random name: the stored path says nothing about the content and never collides.
    return f"work-records/{instance.record.team_id}/{uuid.uuid4().hex}.{extension(filename)}"


class WorkRecordAttachment(models.Model):
    """A file attached to a work record, stored under MEDIA_ROOT (outside the web root) and
    served only through a scoped view."""

    record = models.ForeignKey(
        WorkRecord,
        verbose_name=_("work record"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, validators=[validate_attachment])
    name = models.CharField(_("file name"), max_length=200, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    scope_path = "record__team__township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.pk:
            # The name the user knows the file by; the stored name is random.
            self.name = self.file.name.rsplit("/", 1)[-1][:200]
            self.size = self.file.size
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("teams:attachment", args=[self.pk])


class SixHavesItem(models.Model):
    """An item of the 六有 checklist every team must meet (docs/domain.md §3.1): reference data."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("六有 item")
        verbose_name_plural = _("六有 items")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class SixHavesCheck(models.Model):
    """One check of one 六有 item of a team: met or not, on what evidence, when and by whom."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="six_haves_checks"
    )
    item = models.ForeignKey(
        SixHavesItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="checks"
    )
    met = models.BooleanField(_("met"))
    evidence = models.TextField(_("evidence"), blank=True)
    checked_on = models.DateField(_("date checked"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    scope_path = "team__township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("六有 check")
        verbose_name_plural = _("六有 checks")
        ordering = ["-checked_on", "-pk"]
        indexes = [models.Index(fields=["team", "item", "checked_on"], name="sixhaves_team_item")]

    def __str__(self):
        return f"{self.item} {self.checked_on:%Y-%m-%d}"


class WorkGroup(VersionedModel):
    """A group of the team covering villages (分组包片, docs/domain.md §3.3)."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="work_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        Member, verbose_name=_("cadres"), blank=True, related_name="work_groups"
    )
    villages = models.ManyToManyField(
        Area,
        verbose_name=_("villages covered"),
        blank=True,
        related_name="work_groups",
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    history = HistoricalRecords(m2m_fields=[members, villages])

    scope_path = "team__township__code"
    objects = VersionedScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work group")
        verbose_name_plural = _("work groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"],
                name="work_group_name_unique_in_team",
                violation_error_message=_("The team already has a group of this name."),
            ),
        ]

    def __str__(self):
        return self.name


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class Presence(models.Model):
    """Days a stationed cadre (驻镇/驻村) spent on site in a month (docs/domain.md §4)."""

    STATIONED_SOURCES = [Member.Source.STATIONED, Member.Source.CAPTAIN]

    member = models.ForeignKey(
        Member,
        verbose_name=_("stationed cadre"),
        on_delete=models.CASCADE,
        related_name="presences",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    days_on_site = models.PositiveSmallIntegerField(
        _("days on site"), validators=[MaxValueValidator(31)]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    scope_path = "member__team__township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("presence on site")
        verbose_name_plural = _("presence on site")
        ordering = ["member_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"],
                name="one_presence_per_member_and_month",
                violation_error_message=_("Presence for this month is already recorded."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="presence_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(days_on_site__lte=31), name="presence_days_in_a_month"
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"

    def clean(self):
        errors = {}
        if self.member_id and self.member.source not in self.STATIONED_SOURCES:
            errors["member"] = _("Presence is recorded for stationed cadres only.")
        if self.month:
            if self.month.day != 1:
                errors["month"] = _("Give the first day of the month.")
            elif self.days_on_site is not None:
                days = calendar.monthrange(self.month.year, self.month.month)[1]
                if self.days_on_site > days:
                    errors["days_on_site"] = _("%(month)s has only %(days)d days.") % {
                        "month": f"{self.month:%Y-%m}",
                        "days": days,
                    }
        if errors:
            raise ValidationError(errors)

    @property
    def is_short(self):
        return self.days_on_site < settings.PRESENCE_MIN_DAYS
