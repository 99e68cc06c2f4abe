"""The registry (建档立卡): households, their members, status and contact cadre, with history."""

from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.idnumber import (
    birth_date,
    id_number_hash,
    is_male,
    mask_id_number,
    validate_id_number,
)
from households.models.reference import ReferenceItem
from households.sensitive import EncryptedTextField, mask_account, mask_all, mask_phone
from teams import codes
from teams.locking import VersionedModel, VersionedQuerySet, VersionedScopedQuerySet
from teams.models import Area, Member
from teams.phones import validate_phone
from teams.scope import ScopedQuerySet, scope_of


def _recorded_by():
    """The user who recorded an entry; the entry stays when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def _reference(kind, verbose_name, **kwargs):
    """A column naming an item of a reference list.

    Django keeps these honest: forms and the roster import offer only listed items, and
    PROTECT refuses to delete an item in use (items are retired with ``is_active``). The
    database neither indexes them (a column of a dozen values gains nothing from an index) nor
    checks them per row: those checks were most of the database's work in a roster import
    (1.4 s of 2.7 s for 70,000 persons), see docs/performance.md.
    """
    return models.ForeignKey(
        ReferenceItem,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": kind},
        db_constraint=False,
        db_index=False,
        **kwargs,
    )


def _continues(verbose_name, help_text):
    """The record of elsewhere that this one continues (a move), never removed; a record is
    continued once (`_continued_once`). Not a OneToOneField: its unique index would hold an
    entry for every row, the import's 90,000 included, where the partial one holds the moves."""
    return models.ForeignKey(
        "self",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="continuations",
        db_index=False,
        help_text=help_text,
    )


def _continued_once(name):
    return models.UniqueConstraint(
        fields=["came_from"], condition=Q(came_from__isnull=False), name=name
    )


def _optional_reference(kind, verbose_name):
    return _reference(kind, verbose_name, null=True, blank=True)


class HouseholdQuerySet(VersionedQuerySet, ScopedQuerySet["Household"]):
    def with_head(self) -> Self:
        """Prefetch the head of household (one query for the whole page)."""
        return self.prefetch_related(
            models.Prefetch("persons", Person.objects.filter(is_head=True), to_attr="heads")
        )

    def for_roster(self):
        """Households with everything a register or roster row shows, in a fixed query count."""
        return (
            self.select_related(
                "village__parent", "attribute", "ability", "main_cause", "contact_cadre"
            )
            .prefetch_related(
                "other_causes",
                models.Prefetch(
                    "persons",
                    Person.objects.current()
                    .select_related(*Person.REFERENCES)
                    .order_by("-is_head", "birth_date"),
                    to_attr="current_persons",
                ),
            )
            .order_by("number")
        )


class Household(VersionedModel):
    """A registered poor household (建档立卡贫困户) with the national indicators."""

    class Status(models.TextChoices):
        IDENTIFYING = "identifying", _("Being identified")
        REGISTERED = "registered", _("Registered")
        EXITED = "exited", _("Out of poverty")
        RETURNED = "returned", _("Back in poverty")
        CANCELLED = "cancelled", _("Cancelled")

    #: Households the team must still help (不脱贫不脱钩 applies to them).
    ACTIVE_STATUSES = [Status.REGISTERED, Status.RETURNED]

    class Housing(models.TextChoices):
        SAFE = "safe", _("Safe")
        DANGEROUS = "dangerous", _("Dangerous (危房)")
        NONE = "none", _("No housing of their own")

    village = models.ForeignKey(
        Area,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    number = models.CharField(
        _("household number"),
        max_length=17,
        unique=True,
        help_text=_("17 digits: the 12-digit village code and a 5-digit serial number."),
    )
    attribute = _optional_reference(ReferenceItem.Kind.ATTRIBUTE, _("household attribute"))
    ability = _optional_reference(ReferenceItem.Kind.ABILITY, _("ability to work"))
    main_cause = _optional_reference(ReferenceItem.Kind.CAUSE, _("main cause of poverty"))
    other_causes = models.ManyToManyField(
        ReferenceItem,
        verbose_name=_("other causes of poverty"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": ReferenceItem.Kind.CAUSE},
    )
    phone = EncryptedTextField(_("phone"), blank=True, validators=[validate_phone])
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("bank account"), blank=True)
    housing = models.CharField(
        _("housing safety"), max_length=10, choices=Housing.choices, default=Housing.SAFE
    )
    safe_water = models.BooleanField(_("safe drinking water"), default=True)
    electricity = models.BooleanField(_("electricity for daily use"), default=True)
    farmland_mu = models.DecimalField(_("farmland (mu)"), max_digits=7, decimal_places=2, default=0)
    forest_mu = models.DecimalField(
        _("forest land (mu)"), max_digits=7, decimal_places=2, default=0
    )
    contact_cadre = models.ForeignKey(
        Member,
        verbose_name=_("contact cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IDENTIFYING
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    registered_on = models.DateField(_("date registered"), null=True, blank=True)
    exited_on = models.DateField(_("date out of poverty"), null=True, blank=True)
    publicly_displayed = models.BooleanField(_("shown on the public list"), default=True)
    came_from = _continues(
        _("received from"), _("The household of another area that moved here as this one.")
    )
    # The history is read by household (its "id"), by date and by user; no other index pays.
    # Its user is kept by Django, not checked by the database: Django clears it when a user is
    # deleted (SET_NULL), and a roster import writes a history row per household and person,
    # whose per-row checks cost a tenth of the import (docs/performance.md).
    history = HistoricalRecords(
        no_db_index=[
            "number",
            "village",
            "contact_cadre",
            "attribute",
            "ability",
            "main_cause",
            "came_from",
        ],
        user_db_constraint=False,
    )

    scope_path = "village__code"
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        constraints = [
            _continued_once("household_continued_once"),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{17}$") & Q(number__startswith=F("village_id")),
                name="household_number_is_village_code_and_serial",
                violation_error_message=_(
                    "The household number is the 12-digit village code and a 5-digit serial."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "village"], name="household_status_village")]

    def __str__(self):
        head = self.head
        return f"{self.number} {head.name}" if head else self.number

    def get_absolute_url(self):
        return reverse("households:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.village_id and self.village.level != Area.Level.VILLAGE:
            errors["village"] = _("A household belongs to a village.")
        if self.village_id and self.number and not self.number.startswith(self.village_id):
            errors["number"] = _(
                "The household number must start with the village code %(code)s."
            ) % {"code": self.village_id}
        if errors:
            raise ValidationError(errors)

    @property
    def head(self):
        """The head of household; uses `with_head()` when the queryset prefetched it."""
        if hasattr(self, "heads"):
            return self.heads[0] if self.heads else None
        return self.persons.filter(is_head=True).first()

    @property
    def township_id(self):
        return codes.township_of(self.village_id)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    masked_phone.fget.short_description = _("phone")

    @property
    def masked_bank_account(self):
        return mask_account(self.bank_account)

    masked_bank_account.fget.short_description = _("bank account")

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES


#: What a user is told of an ID number registered elsewhere, which may be outside their area:
#: nothing about where (forms and the admin alike; the database constraint is the guard).
ID_NUMBER_CLASH = _(
    "This ID number cannot be registered here; ask the county poverty office to check it."
)


class PersonQuerySet(VersionedScopedQuerySet):
    def current(self):
        return self.filter(left_on__isnull=True)

    def with_id_number(self, value):
        """Exact lookup of a normalised ID number through its keyed hash, current records and
        records left behind alike: each through its own partial index, which a condition on
        the hash alone could use neither of (it would read every person of the province)."""
        value_hash = id_number_hash(value)
        return self.filter(
            Q(id_number_hash=value_hash, left_on__isnull=True)
            | Q(id_number_hash=value_hash, left_on__isnull=False)
        )


class Person(VersionedModel):
    """A member of a household. The ID number is encrypted; sex and birth date stay plain."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class DisabilityGrade(models.TextChoices):
        ONE = "1", _("Grade 1")
        TWO = "2", _("Grade 2")
        THREE = "3", _("Grade 3")
        FOUR = "4", _("Grade 4")

    #: The name of the relation item that marks the head of household.
    HEAD = "户主"
    #: The reference-list fields, for select_related.
    REFERENCES = [
        "relation",
        "ethnicity",
        "education",
        "in_school",
        "labour_skill",
        "work_status",
    ]

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"), validators=[validate_id_number])
    id_number_hash = models.CharField(_("ID number keyed hash"), max_length=64, editable=False)
    relation = _reference(ReferenceItem.Kind.RELATION, _("relation to the head"))
    is_head = models.BooleanField(_("head of household"), default=False, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    ethnicity = _optional_reference(ReferenceItem.Kind.ETHNICITY, _("ethnicity"))
    education = _optional_reference(ReferenceItem.Kind.EDUCATION, _("education"))
    in_school = _optional_reference(ReferenceItem.Kind.IN_SCHOOL, _("in-school status"))
    # Health and disability are sensitive (PIPL art. 28): encrypted like the ID number, shown
    # masked, revealed with a logged reason. The health status is the name of an item of the
    # HEALTH reference list (a reference row would say it in plain).
    health = EncryptedTextField(_("health"), blank=True, default="")
    disability_grade = EncryptedTextField(
        _("disability grade"), choices=DisabilityGrade.choices, blank=True, default=""
    )
    labour_skill = _optional_reference(ReferenceItem.Kind.LABOUR_SKILL, _("labour skill"))
    work_status = _optional_reference(ReferenceItem.Kind.WORK_STATUS, _("work status"))
    months_worked = models.PositiveSmallIntegerField(_("months worked"), default=0)
    medical_insurance = models.BooleanField(_("basic medical insurance"), default=False)
    pension_insurance = models.BooleanField(_("basic pension insurance"), default=False)
    dibao = models.BooleanField(_("receives 低保"), default=False)
    wubao = models.BooleanField(_("receives 五保"), default=False)
    left_on = models.DateField(
        _("left the household on"),
        null=True,
        blank=True,
        help_text=_("Set through a member change (death, marriage out, moved out, split)."),
    )
    came_from = _continues(
        _("earlier membership"),
        _("The person's record in the household they left to join this one."),
    )
    # The history is read by person (its "id"), by household, by date and by user. Its user is
    # kept by Django, as the household history's is.
    history = HistoricalRecords(no_db_index=[*REFERENCES, "came_from"], user_db_constraint=False)

    scope_path = "household__village__code"
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "-is_head", "birth_date"]
        constraints = [
            # One person, one current household: a person who left keeps the old record.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(left_on__isnull=True),
                name="person_unique_id_number",
                violation_error_message=ID_NUMBER_CLASH,
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_head=True),
                name="one_head_per_household",
                violation_error_message=_("The household already has a head."),
            ),
            models.CheckConstraint(
                condition=Q(months_worked__lte=12), name="person_months_worked_at_most_12"
            ),
            _continued_once("person_continued_once"),
        ]
        indexes = [
            # The ID numbers of records left behind (a move, a death): with the unique index
            # of the current records, every lookup by ID hash has an index (`with_id_number`).
            models.Index(
                fields=["id_number_hash"],
                condition=Q(left_on__isnull=False),
                name="person_left_id_number",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive_from_id_number()
        super().save(*args, **kwargs)

    def derive_from_id_number(self):
        """Fill the hash, sex, birth date and head flag; call before `bulk_create` too."""
        self.id_number_hash = id_number_hash(self.id_number)
        self.sex = self.Sex.MALE if is_male(self.id_number) else self.Sex.FEMALE
        self.birth_date = birth_date(self.id_number)
        self.is_head = bool(self.relation_id) and self.relation.name == self.HEAD

    def clean(self):
        if self.id_number:
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                raise ValidationError({"id_number": exc}) from exc
            self.derive_from_id_number()

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    masked_id_number.fget.short_description = _("ID number")

    @property
    def masked_health(self):
        """``**`` where a health status or disability is recorded: nothing of either."""
        return mask_all(self.health or self.disability_grade)

    masked_health.fget.short_description = _("health")

    @property
    def health_and_disability(self):
        """What the logged reveal of "health" shows."""
        grade = self.get_disability_grade_display() if self.disability_grade else ""
        return " · ".join(value for value in (self.health, grade) if value)

    @property
    def age(self):
        """The age reached this year (周岁 at the year's end), shown in place of the birth date:
        it tells no more than the birth year, and does not change on the birthday, which would
        give the day away (see `mask_id_number`)."""
        return timezone.localdate().year - self.birth_date.year

    age.fget.short_description = _("age")


class MemberChangeQuerySet(ScopedQuerySet["MemberChange"]):
    def with_received(self) -> Self:
        """Annotate ``received``: the person of the change continues in another household."""
        return self.annotate(
            received=models.Exists(Person.objects.filter(came_from=models.OuterRef("person")))
        )

    def arriving(self, user: Any) -> Self:
        """Moves out of a household to a destination in ``user``'s area that the area has not
        received yet: the area sees them wherever they come from (and nothing else there)."""
        code = scope_of(user)
        if code is None:
            return self.none()
        return self.filter(
            kind__in=[MemberChange.Kind.MARRIAGE_OUT, MemberChange.Kind.MOVED_OUT],
            destination__code__startswith=code,
            person__continuations__isnull=True,
        )


class MemberChange(models.Model):
    """A dated change of a household's members (动态管理)."""

    class Kind(models.TextChoices):
        BIRTH = "birth", _("Birth")
        DEATH = "death", _("Death")
        MARRIAGE_IN = "marriage_in", _("Marriage into the household")
        MARRIAGE_OUT = "marriage_out", _("Marriage out of the household")
        MOVED_IN = "moved_in", _("Moved into the household")
        MOVED_OUT = "moved_out", _("Moved out of the household")
        SPLIT = "split", _("Household split")
        OTHER = "other", _("Other")

    #: Changes after which the person no longer belongs to the household.
    LEAVING = [Kind.DEATH, Kind.MARRIAGE_OUT, Kind.MOVED_OUT, Kind.SPLIT]
    #: The change the receiving household records for each way of leaving to join it.
    JOINING = {
        Kind.MARRIAGE_OUT: Kind.MARRIAGE_IN,
        Kind.MOVED_OUT: Kind.MOVED_IN,
        Kind.SPLIT: Kind.SPLIT,
    }

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="changes"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField(_("kind of change"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    destination = models.ForeignKey(
        Area,
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where a person who left went: the county or village that receives them."),
    )
    recorded_by = _recorded_by()
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_path = "household__village__code"
    objects = MemberChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("member change")
        verbose_name_plural = _("member changes")
        ordering = ["household", "date", "pk"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.person}"


class StatusChange(models.Model):
    """An entry of a household's status history, written only by `household_change_status`."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    old_status = models.CharField(
        _("from"), max_length=12, choices=Household.Status.choices, blank=True
    )
    new_status = models.CharField(_("to"), max_length=12, choices=Household.Status.choices)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = _recorded_by()
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["household", "date", "pk"]

    def __str__(self):
        return f"{self.date} {self.get_old_status_display()} → {self.get_new_status_display()}"


class CadreAssignment(models.Model):
    """A period during which a cadre was the household's contact cadre (帮扶责任人)."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="cadre_assignments",
    )
    cadre = models.ForeignKey(
        Member, verbose_name=_("contact cadre"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    recorded_by = _recorded_by()

    scope_path = "household__village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact cadre assignment")
        verbose_name_plural = _("contact cadre assignments")
        ordering = ["household", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end__isnull=True),
                name="one_current_cadre_per_household",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.start}–{self.end or ''}"
