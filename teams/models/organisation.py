"""The organisation: accounts, dispatching units, township teams and their members."""

import datetime
from typing import Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from teams import codes
from teams.locking import VersionedModel, VersionedQuerySet, VersionedScopedQuerySet
from teams.models.areas import Area
from teams.phones import validate_phone
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


class MemberQuerySet(VersionedQuerySet, ScopedQuerySet["Member"]):
    def current(self) -> Self:
        return self.filter(left__isnull=True)

    def served_in(self, year: int) -> Self:
        """The members who served at some time in ``year``: joined by its end, not left
        before it began (a yearly assessment is of them)."""
        return self.filter(joined__lte=datetime.date(year, 12, 31)).filter(
            Q(left__isnull=True) | Q(left__gte=datetime.date(year, 1, 1))
        )

    def serving(self, township_id: str) -> Self:
        """The members who may act for a household of the township: current members of its
        team (the contact cadre, the cadres of a ledger record). `Member.serves` reads it on
        one member."""
        return self.current().filter(team__township_id=township_id)


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
    head_phone = models.CharField(
        _("head's phone"), max_length=30, blank=True, validators=[validate_phone]
    )
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


class Team(VersionedModel):
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
    office_phone = models.CharField(
        _("office phone"), max_length=30, blank=True, validators=[validate_phone]
    )
    tasks = models.TextField(_("tasks of the team"), blank=True)
    # 六有 asks for the rules on the wall: the public board prints them.
    work_rules = models.TextField(_("work rules"), blank=True)
    discipline_rules = models.TextField(_("discipline rules"), blank=True)
    fund_rules = models.TextField(_("fund management rules"), blank=True)
    history = HistoricalRecords()

    scope_path = "township__code"
    objects = VersionedScopedQuerySet.as_manager()

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


#: Rank order, as the public board lists a team: 组长, 副组长, then the members in the order
#: the team sets (``order_by(*RANK_ORDER)``; the codes alone sort 副组长 first).
RANK_ORDER = [
    models.Case(models.When(role="leader", then=0), models.When(role="deputy", then=1), default=2),
    "board_order",
    "name",
]


class Member(VersionedModel):
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
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
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
    board_order = models.PositiveSmallIntegerField(
        _("order on the public board"),
        default=0,
        help_text=_("Members of the same role are listed by this number, then by name."),
    )
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

    def serves(self, township_id: str) -> bool:
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
    captain_phone = models.CharField(
        _("captain's phone"), max_length=30, blank=True, validators=[validate_phone]
    )
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
