"""The household ledger (帮扶记录簿): plans, measures, visits, yearly income, guarantees."""

import operator
import uuid
from decimal import Decimal
from functools import reduce
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household
from teams.locking import VersionedModel, VersionedQuerySet
from teams.models import Member
from teams.scope import ScopedQuerySet

CAMPAIGN_YEARS = (2016, 2018)
YEAR_VALIDATORS = [MinValueValidator(2014), MaxValueValidator(2030)]


def _yuan(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,
    )


class PovertyStandard(models.Model):
    """The year's poverty line and exit line (per-capita disposable income, yuan a year).

    Reference data: seeded with example values by a migration and edited in the admin when
    the province publishes the year's figures. The assessments app uses it for exit reviews.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=YEAR_VALIDATORS)
    poverty_line = models.DecimalField(_("poverty line (yuan)"), max_digits=8, decimal_places=2)
    exit_line = models.DecimalField(_("exit line (yuan)"), max_digits=8, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("poverty and exit line")
        verbose_name_plural = _("poverty and exit lines")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class MeasureCategory(models.Model):
    """One of the nine measure categories (九到户); reference data."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure category")
        verbose_name_plural = _("measure categories")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class LedgerQuerySet(VersionedQuerySet, ScopedQuerySet):
    """Ledger rows, scoped through ``household__village__code``."""


class Plan(VersionedModel):
    """一户一法: the household's three-year plan (2016–2018) or one year's work plan."""

    class Kind(models.TextChoices):
        THREE_YEAR = "three_year", _("Three-year plan 2016–2018")
        YEARLY = "yearly", _("Yearly work plan")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="plans"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.YEARLY)
    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=YEAR_VALIDATORS,
        help_text=_("The year of a yearly plan; 2016 for the three-year plan."),
    )
    goals = models.TextField(_("goals"))
    planned_measures = models.ManyToManyField(
        MeasureCategory,
        verbose_name=_("planned measures"),
        blank=True,
        related_name="+",
        help_text=_("The measure categories the plan intends to use."),
    )
    target_income = _yuan(_("target per-capita income (yuan)"))
    responsible = models.ForeignKey(
        Member,
        verbose_name=_("responsible cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_on = models.DateField(_("agreed with the household on"), null=True, blank=True)
    agreed_with = models.CharField(
        _("agreed with"), max_length=50, blank=True, help_text=_("Who in the household agreed.")
    )
    history = HistoricalRecords(m2m_fields=[planned_measures])

    scope_path = "household__village__code"
    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance plan")
        verbose_name_plural = _("assistance plans")
        ordering = ["household", "-kind", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "year"],
                name="one_plan_per_household_kind_year",
                violation_error_message=_("The household already has this plan."),
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.THREE_YEAR:
            return str(self.get_kind_display())
        return _("Work plan %(year)s") % {"year": self.year}

    def clean(self):
        if self.kind == self.Kind.THREE_YEAR and self.year != CAMPAIGN_YEARS[0]:
            raise ValidationError({"year": _("The three-year plan starts in 2016.")})


class Measure(VersionedModel):
    """An assistance measure (帮扶措施) of one of the nine categories."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    OPEN_STATUSES = [Status.PLANNED, Status.IN_PROGRESS]

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="measures"
    )
    category = models.ForeignKey(
        MeasureCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="measures",
        limit_choices_to={"is_active": True},
    )
    date = models.DateField(_("date"))
    description = models.TextField(_("description"))
    amount = _yuan(_("amount (yuan)"))
    responsible = models.ForeignKey(
        Member,
        verbose_name=_("responsible cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    project = models.ForeignKey(
        "Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
        help_text=_("The project of the household's township that carries the measure."),
    )
    history = HistoricalRecords()

    scope_path = "household__village__code"
    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["household", "-date", "-pk"]
        indexes = [models.Index(fields=["household", "status"], name="measure_household_status")]

    def __str__(self):
        return f"{self.category} {self.date}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


def visit_photo_path(photo, filename):
    """A random name under the household's folder: the uploader's file name is not kept."""
    suffix = PurePath(filename).suffix.lower()
    return f"visits/{photo.visit.household_id}/{uuid.uuid4().hex}{suffix}"


class Visit(VersionedModel):
    """A visit to the household (走访记录), with its photos (`VisitPhoto`)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="visits"
    )
    date = models.DateField(_("date"))
    cadre = models.ForeignKey(
        Member,
        verbose_name=_("visiting cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    findings = models.TextField(_("what was found"))
    actions = models.TextField(_("what was done"), blank=True)
    requests = models.TextField(_("the household's requests"), blank=True)
    next_step = models.TextField(_("next step"), blank=True)
    history = HistoricalRecords()

    scope_path = "household__village__code"
    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["household", "-date", "-pk"]
        indexes = [models.Index(fields=["household", "date"], name="visit_household_date")]

    def __str__(self):
        return _("Visit on %(date)s") % {"date": self.date}


class VisitPhoto(models.Model):
    """A photo taken on a visit, as evidence; a visit has any number of them."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    photo = models.FileField(
        _("photo evidence"),
        upload_to=visit_photo_path,
        help_text=_("A JPEG, PNG or WebP picture."),
    )
    # What the phone recorded in the photo, kept as evidence of the visit; the stored picture
    # itself carries no metadata (see `teams.photos`).
    taken_at = models.DateTimeField(_("photo taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("photo latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("photo longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    history = HistoricalRecords()

    scope_path = "visit__household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "pk"]

    def __str__(self):
        return _("Photo of %(visit)s") % {"visit": self.visit}


class Income(VersionedModel):
    """A household's income in one year, by the items of the national 建档立卡 form.

    Per-capita disposable income (人均可支配收入) =
        (wages + production income − production costs + property income + transfer income)
        ÷ household size,
    where production income is the gross income from farming, husbandry and household
    business (生产经营性收入) and production costs (生产经营性支出) are what it took to earn it,
    so the net production income is their difference and costs are subtracted exactly once.
    Transfer income is the sum of its kinds. ``household_size`` is the number of people in
    the household that year (its current persons when the record was made); it is stored, so a
    later change of the family does not rewrite past years.
    """

    TRANSFERS = [
        "transfer_subsidies",
        "transfer_dibao",
        "transfer_pensions",
        "transfer_ecological",
        "transfer_other",
    ]

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    household_size = models.PositiveSmallIntegerField(
        _("household size"),
        validators=[MinValueValidator(1)],
        help_text=_("People in the household that year."),
    )
    wages = _yuan(_("wages (工资性收入)"))
    production_income = _yuan(_("production income (生产经营性收入)"))
    production_costs = _yuan(_("production costs (生产经营性支出)"))
    property_income = _yuan(_("property income (财产性收入)"))
    transfer_subsidies = _yuan(_("subsidies (各类补贴)"))
    transfer_dibao = _yuan(_("低保 minimum living allowance"))
    transfer_pensions = _yuan(_("pensions (养老金)"))
    transfer_ecological = _yuan(_("ecological compensation (生态补偿)"))
    transfer_other = _yuan(_("other transfers"))
    per_capita = models.DecimalField(
        _("per-capita disposable income"), max_digits=12, decimal_places=2, editable=False
    )
    history = HistoricalRecords()

    scope_path = "household__village__code"
    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("yearly income")
        verbose_name_plural = _("yearly incomes")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="one_income_per_household_year",
                violation_error_message=_("The income of this year is already recorded."),
            ),
        ]

    def __str__(self):
        return _("Income %(year)s") % {"year": self.year}

    def save(self, *args, **kwargs):
        self.per_capita = self.compute_per_capita()
        super().save(*args, **kwargs)

    @property
    def net_production(self) -> Decimal:
        return self.production_income - self.production_costs

    @property
    def transfers(self) -> Decimal:
        return sum((getattr(self, name) for name in self.TRANSFERS), Decimal("0"))

    @property
    def disposable(self) -> Decimal:
        return self.wages + self.net_production + self.property_income + self.transfers

    def compute_per_capita(self) -> Decimal:
        return (self.disposable / self.household_size).quantize(Decimal("0.01"))


class Guarantee(VersionedModel):
    """三保障 and safe drinking water for one household and year, each with its evidence."""

    class State(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "na", _("Not applicable")

    #: (state field, evidence field) of each guarantee, in the order they are shown.
    ITEMS = [
        ("education", "education_evidence"),
        ("medical", "medical_evidence"),
        ("housing", "housing_evidence"),
        ("water", "water_evidence"),
    ]

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="guarantees",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    education = models.CharField(
        _("compulsory education"), max_length=8, choices=State.choices, default=State.NOT_MET
    )
    education_evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    medical = models.CharField(
        _("basic medical care"), max_length=8, choices=State.choices, default=State.NOT_MET
    )
    medical_evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    housing = models.CharField(
        _("safe housing"), max_length=8, choices=State.choices, default=State.NOT_MET
    )
    housing_evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    water = models.CharField(
        _("safe drinking water"), max_length=8, choices=State.choices, default=State.NOT_MET
    )
    water_evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    history = HistoricalRecords()

    scope_path = "household__village__code"
    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("three guarantees")
        verbose_name_plural = _("three guarantees")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="one_guarantee_per_household_year",
                violation_error_message=_("The guarantees of this year are already recorded."),
            ),
        ]

    def __str__(self):
        return _("Guarantees %(year)s") % {"year": self.year}

    def clean(self):
        errors = {
            evidence: _("Say what shows that it is met.")
            for state, evidence in self.ITEMS
            if getattr(self, state) == self.State.MET and not getattr(self, evidence).strip()
        }
        if errors:
            raise ValidationError(errors)

    @classmethod
    def not_all_met(cls) -> Q:
        """The rule "every guarantee met" in SQL, negated: some item is not met (an item that
        does not apply counts as met). `all_met` is the same rule read on one row."""
        return reduce(operator.or_, (Q(**{state: cls.State.NOT_MET}) for state, _ in cls.ITEMS))

    @property
    def all_met(self):
        return all(getattr(self, state) != self.State.NOT_MET for state, _evidence in self.ITEMS)

    def states(self):
        """(label, state display, state, evidence) of each guarantee, for the pages."""
        return [
            (
                self._meta.get_field(state).verbose_name,
                getattr(self, f"get_{state}_display")(),
                getattr(self, state),
                getattr(self, evidence),
            )
            for state, evidence in self.ITEMS
        ]
