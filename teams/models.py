import calendar
import datetime
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from teams import codes
from teams.attachments import extension, validate_attachment
from teams.scope import ScopedQuerySet


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    """Django's user manager (create_user, natural keys) with the scoping queryset."""


class UnitQuerySet(ScopedQuerySet):
    def in_area(self, area_code):
        # A unit serves its own area and everything below it: a county unit is visible to the
        # county's townships, a provincial unit everywhere in the province.
        return self.filter(
            Q(area_id__in=codes.ancestors(area_code)) | Q(area__code__startswith=area_code)
        )


class MemberQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(left__isnull=True)

    def serving(self, township_id):
        """The members who may act for a household of the township: current members of its
        team (the contact cadre, the cadres of a ledger record). `Member.serves` reads it on
        one member."""
        return self.current().filter(team__township_id=township_id)


class Area(models.Model):
    """A division of the national statistical division code (统计用区划代码).

    The primary key is the significant part of the 12-digit code: 2 digits for a province,
    4 for a city, 6 for a county, 9 for a township, 12 for a village.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")
        TOWNSHIP = 4, _("Township")
        VILLAGE = 5, _("Village")

    CODE_LENGTHS = dict(zip(codes.LENGTHS, Level, strict=True))

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    scope_path = "code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="area_code_digits",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def full_code(self):
        """The 12-digit published form, with trailing zeros for higher levels."""
        return codes.published(self.code)


class User(AbstractUser):
    """A login account with the area it may see and the office it works in."""

    class Role(models.TextChoices):
        TOWNSHIP = "township", _("Township staff")
        COUNTY = "county", _("County office")
        CITY = "city", _("City office")
        PROVINCE = "province", _("Province office")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.TOWNSHIP)
    area = models.ForeignKey(
        Area,
        verbose_name=_("scope area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user sees data whose area code starts with this area's code."),
    )

    scope_path = "area__code"
    objects = ScopedUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def scope_code(self):
        """The code of the area whose data the user may reach (teams.scope). A township account
        whose team membership has ended reaches nothing, from the day it ended."""
        if self.role == self.Role.TOWNSHIP:
            member = getattr(self, "member", None)
            if member is not None and not member.is_current:
                return None
        return self.area_id

    @property
    def scope_area(self):
        """The area of `scope_code`, for the pages to name."""
        return self.area if self.scope_code else None

    @property
    def is_county_or_above(self):
        return self.is_superuser or self.role in {
            self.Role.COUNTY,
            self.Role.CITY,
            self.Role.PROVINCE,
        }


class Unit(models.Model):
    """A dispatching unit (派出单位) that sends stationed cadres."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial or central unit in Guangdong")
        PRD = "prd", _("Pearl River Delta counterpart")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")

    name = models.CharField(_("name"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    has_poor_village_assignment = models.BooleanField(
        _("holds a relatively-poor-village assignment"),
        default=False,
        help_text=_(
            "Units that already assist a relatively poor village may not send "
            "stationed cadres to township teams."
        ),
    )
    head = models.CharField(_("head of unit"), max_length=50, blank=True)
    head_phone = models.CharField(_("head's phone"), max_length=30, blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_(
            "The area the unit belongs to; it is visible to users of that area and "
            "the areas below it."
        ),
    )
    history = HistoricalRecords()

    scope_path = "area__code"
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispatching unit")
        verbose_name_plural = _("dispatching units")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A township assistance team (乡镇帮扶工作组): one per township."""

    township = models.OneToOneField(
        Area,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="team",
        limit_choices_to={"level": Area.Level.TOWNSHIP},
    )
    established = models.DateField(_("date set up"))
    office_address = models.CharField(_("office address"), max_length=200, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    tasks = models.TextField(_("tasks of the team"), blank=True)
    history = HistoricalRecords()

    scope_path = "township__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("township team")
        verbose_name_plural = _("township teams")
        ordering = ["township_id"]

    def __str__(self):
        return _("%(township)s assistance team") % {"township": self.township.name}

    def get_absolute_url(self):
        return reverse("teams:detail", args=[self.pk])

    def clean(self):
        if self.township_id and self.township.level != Area.Level.TOWNSHIP:
            raise ValidationError({"township": _("A team belongs to a township.")})


class Member(models.Model):
    """A member of a township team, with where they come from (docs/domain.md §1)."""

    class Source(models.TextChoices):
        LEADER = "leader", _("Township leader")
        CADRE = "cadre", _("Township cadre")
        STATIONED = "stationed", _("Stationed cadre")
        CAPTAIN = "captain", _("Village work team captain")

    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    post = models.CharField(
        _("post"),
        max_length=50,
        blank=True,
        help_text=_("For example 书记, 副书记, 镇长, 副镇长, 科员."),
    )
    role = models.CharField(
        _("role in the team"), max_length=8, choices=Role.choices, default=Role.MEMBER
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("dispatching unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    duties = models.CharField(_("division of labour"), max_length=200, blank=True)
    tasks = models.CharField(_("tasks"), max_length=200, blank=True)
    joined = models.DateField(_("date joined"))
    left = models.DateField(_("date left"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    history = HistoricalRecords()

    scope_path = "team__township__code"
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(role="leader", left__isnull=True),
                name="one_current_leader_per_team",
                violation_error_message=_("The team already has a leader."),
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(role="deputy", left__isnull=True),
                name="one_current_deputy_per_team",
                violation_error_message=_("The team already has a deputy leader."),
            ),
            models.CheckConstraint(
                condition=Q(left__isnull=True) | Q(left__gte=models.F("joined")),
                name="member_left_after_joined",
                violation_error_message=_("The date left cannot be before the date joined."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.source == self.Source.STATIONED:
            if not self.unit_id:
                errors["unit"] = _("A stationed cadre needs the unit that sent them.")
            elif self.unit.has_poor_village_assignment:
                errors["unit"] = _(
                    "%(unit)s already holds a relatively-poor-village assignment; such units "
                    "do not send stationed cadres to township teams (粤扶办〔2016〕98号 第一部分)."
                ) % {"unit": self.unit.name}
        if errors:
            raise ValidationError(errors)

    @property
    def is_current(self):
        return self.left is None

    def serves(self, township_id):
        """Whether the member may act for a household of the township (see `serving`)."""
        return self.is_current and self.team.township_id == township_id

    @property
    def leader_warning(self):
        """The leader is in principle the town party secretary: warn, don't refuse."""
        if self.role == self.Role.LEADER and self.post != settings.TEAM_MEMBER_LEADER_POST:
            return _("The team leader is in principle the town party secretary (镇党委书记).")
        return ""


class VillageWorkTeam(models.Model):
    """A village work team (驻村工作队): one per village (一村一队)."""

    village = models.OneToOneField(
        Area,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="village_work_team",
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("dispatching unit"),
        on_delete=models.PROTECT,
        related_name="village_work_teams",
    )
    captain = models.CharField(_("captain"), max_length=50)
    captain_phone = models.CharField(_("captain's phone"), max_length=30, blank=True)
    members = models.TextField(_("members"), blank=True, help_text=_("One name per line."))
    arrived = models.DateField(_("date arrived"), null=True, blank=True)
    history = HistoricalRecords()

    scope_path = "village__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("village work team")
        verbose_name_plural = _("village work teams")
        ordering = ["village_id"]

    def __str__(self):
        return _("%(village)s work team") % {"village": self.village.name}

    def clean(self):
        if self.village_id and self.village.level != Area.Level.VILLAGE:
            raise ValidationError({"village": _("A village work team belongs to a village.")})

    @property
    def member_names(self):
        return [name.strip() for name in self.members.splitlines() if name.strip()]


# The team's work systems and presence on site (docs/domain.md §3.1, §3.3, §4).


class WorkRecord(models.Model):
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
    objects = ScopedQuerySet.as_manager()

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


class WorkGroup(models.Model):
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
    objects = ScopedQuerySet.as_manager()

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
