"""Projects and funds (项目实施): 项目跟随规划走，资金跟随项目走，监管跟着资金走."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household
from ledgers.models.ledger import Plan, _yuan
from teams.locking import VersionedModel, VersionedQuerySet
from teams.models import Area
from teams.scope import ScopedQuerySet

# Projects and funds (项目实施): "项目跟随规划走，资金跟随项目走，监管跟着资金走".


class FundSource(models.TextChoices):
    UNIT = "unit", _("Dispatching unit funds")
    SECTOR = "sector", _("Sector funds")
    SOCIAL = "social", _("Social assistance funds")
    FISCAL = "fiscal", _("Fiscal poverty funds")


class ProjectQuerySet(VersionedQuerySet, ScopedQuerySet):
    """Projects, scoped through their township, with version checks."""


class Project(VersionedModel):
    """A project of a township: its budget per fund source, the households and plans it serves."""

    class Category(models.TextChoices):
        INDUSTRY = "industry", _("Industry support")
        MICRO_CREDIT = "micro_credit", _("Micro-credit")
        ASSET_INCOME = "asset_income", _("Asset income")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        EMPLOYMENT = "employment", _("Employment")
        OTHER = "other", _("Other")

    #: Where fiscal poverty funds belong (docs/domain.md §2.5): raising the households' income.
    INCOME_RAISING = [
        Category.INDUSTRY,
        Category.MICRO_CREDIT,
        Category.ASSET_INCOME,
        Category.EMPLOYMENT,
    ]

    class Procurement(models.TextChoices):
        TENDER = "tender", _("Public tender")
        GOVERNMENT = "government", _("Government procurement")
        DIRECT = "direct", _("Direct purchase")
        SELF_BUILT = "self_built", _("Built by the villagers themselves")
        NONE = "none", _("No procurement")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        ACCEPTED = "accepted", _("Accepted")
        CLOSED = "closed", _("Closed")

    township = models.ForeignKey(
        Area,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"level": Area.Level.TOWNSHIP},
    )
    name = models.CharField(_("project name"), max_length=100)
    category = models.CharField(_("project category"), max_length=16, choices=Category.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    procurement = models.CharField(
        _("procurement method"),
        max_length=12,
        choices=Procurement.choices,
        default=Procurement.NONE,
    )
    procurement_ref = models.CharField(
        _("procurement reference"),
        max_length=100,
        blank=True,
        help_text=_("Tender or contract number."),
    )
    beneficiaries = models.ManyToManyField(
        Household, verbose_name=_("beneficiary households"), blank=True, related_name="projects"
    )
    plans = models.ManyToManyField(
        Plan, verbose_name=_("plans served"), blank=True, related_name="projects"
    )
    status = models.CharField(
        _("project status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    acceptance_record = models.TextField(
        _("acceptance record"), blank=True, help_text=_("Who inspected it and what they found.")
    )
    history = HistoricalRecords(m2m_fields=[beneficiaries, plans])

    scope_path = "township__code"
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["township", "-starts_on", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ledgers:project", args=[self.pk])

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The project cannot end before it starts.")})


class ProjectBudget(models.Model):
    """What a project may spend of one fund source; payments lock this row (ledgers/funds.py)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="budgets"
    )
    source = models.CharField(_("fund source"), max_length=8, choices=FundSource.choices)
    amount = _yuan(_("budget (yuan)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project budget")
        verbose_name_plural = _("project budgets")
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="one_budget_per_source")
        ]

    def __str__(self):
        return f"{self.project} {self.get_source_display()}"


class AppendOnly(Exception):
    """A recorded payment is corrected by a reversing entry, never changed or deleted."""


class PaymentQuerySet(ScopedQuerySet):
    def delete(self):
        raise AppendOnly

    def update(self, **kwargs):
        raise AppendOnly


class Payment(models.Model):
    """A payment (资金拨付) of a project; a negative amount reverses an earlier payment."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("payment date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    source = models.CharField(_("fund source"), max_length=8, choices=FundSource.choices)
    payee = models.CharField(_("payee"), max_length=100)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household reached"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The beneficiary household the money reached, if any."),
    )
    voucher = models.CharField(_("voucher number"), max_length=50, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_path = "project__township__code"
    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["project", "date", "pk"]
        constraints = [
            # A payment is positive; its reversal is negative.
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True, amount__gt=0)
                | models.Q(reverses__isnull=False, amount__lt=0),
                name="payment_positive_reversal_negative",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.payee} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly

    @property
    def is_reversal(self):
        return self.reverses_id is not None


class OverBudgetAttempt(models.Model):
    """A refused payment that would have taken a source over the project's budget."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="over_budget_attempts",
    )
    source = models.CharField(_("fund source"), max_length=8, choices=FundSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2)
    paid = models.DecimalField(_("paid before (yuan)"), max_digits=12, decimal_places=2)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attempted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempted_at = models.DateTimeField(_("attempted at"), auto_now_add=True)

    scope_path = "project__township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("over-budget attempt")
        verbose_name_plural = _("over-budget attempts")
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"{self.project} {self.get_source_display()} {self.amount}"
