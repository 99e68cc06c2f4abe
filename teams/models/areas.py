"""Areas: the divisions of the national statistical division code."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teams import codes
from teams.scope import ScopedQuerySet


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
