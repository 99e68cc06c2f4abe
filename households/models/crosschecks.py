"""Cross-checks (七不进, 不漏一户): other departments' lists matched against the registry, and
the findings they and the data-quality rules raise for a township team to review.

An outside list (公安 vehicles, 不动产 property, 财政 payroll, 民政 低保 ...) is never kept: its
ID numbers are matched as keyed hashes (`households.sensitive.keyed_hash`) and only the rows
that match a person of the registry keep their detail, on the finding. A person of an
*including* list who is in no household is a lead (不漏一户), kept as a hash, a masked ID
number and a masked name. docs/security.md gives the lawful basis and the retention.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models.registry import Household, Person
from teams.models import Area
from teams.scope import ScopedQuerySet


class ListKind(models.Model):
    """A kind of outside list (reference data, editable in the admin): whether a match
    excludes a household (七不进) or a person on it should be helped (应纳尽纳)."""

    class Effect(models.TextChoices):
        EXCLUDING = "excluding", _("Excluding (七不进)")
        INCLUDING = "including", _("Including (不漏一户)")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    department = models.CharField(_("department"), max_length=50, blank=True)
    effect = models.CharField(_("effect"), max_length=10, choices=Effect.choices)
    proposes_exclusion = models.BooleanField(
        _("a confirmed match proposes the household's exclusion"), default=False
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("outside list kind")
        verbose_name_plural = _("outside list kinds")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class OutsideList(models.Model):
    """One outside list matched against a county's registry: counts only, never its rows."""

    kind = models.ForeignKey(ListKind, verbose_name=_("list"), on_delete=models.PROTECT)
    county = models.ForeignKey(
        Area, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("as of"))
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    matched = models.PositiveIntegerField(_("matches"), default=0)
    leads = models.PositiveIntegerField(_("leads"), default=0)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path = "county__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outside list")
        verbose_name_plural = _("outside lists")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.kind} {self.as_of:%Y-%m-%d}"


class FindingQuerySet(ScopedQuerySet["Finding"]):
    def pending(self) -> "FindingQuerySet":
        """Findings a person still has to act on: not yet reviewed, or confirmed."""
        return self.filter(state__in=[Finding.State.OPEN, Finding.State.CONFIRMED])


class Finding(models.Model):
    """Something the registry should not hold, or someone it may miss, for the township team
    to review: an outside-list match or lead, or a data-quality rule's hit."""

    class State(models.TextChoices):
        OPEN = "open", _("To review")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        CLEARED = "cleared", _("No longer found")

    #: The township of the household, or of the lead (its county when the list did not say).
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    #: A list kind's code, or a data-quality rule's (assessments.quality.RULES).
    kind = models.CharField(_("kind"), max_length=30, db_index=True)
    outside_list = models.ForeignKey(
        OutsideList,
        verbose_name=_("outside list"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("household member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    #: A lead's person, who is in no household: masked, and the keyed hash of the ID number.
    masked_id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    masked_name = models.CharField(_("name"), max_length=50, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    found_on = models.DateField(_("found on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    reason = models.TextField(_("reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    history = HistoricalRecords()

    scope_path = "area__code"
    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("cross-check finding")
        verbose_name_plural = _("cross-check findings")
        ordering = ["state", "-found_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "cleared"]) | ~Q(reason=""),
                name="reviewed_finding_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["kind", "state"], name="finding_kind_state")]

    def __str__(self):
        return f"{self.kind} {self.household or self.masked_name}"

    def get_absolute_url(self):
        return reverse("assessments:finding", args=[self.pk])
