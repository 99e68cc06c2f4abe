"""The reference lists (code tables) of the registry: causes, attributes, relations, health."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceItemQuerySet(models.QuerySet):
    def of_kind(self, kind):
        return self.filter(kind=kind, is_active=True)

    def resolve(self, kind, text):
        """The item of ``kind`` named ``text`` or having it among its synonyms, else None."""
        text = "".join((text or "").split())
        if not text:
            return None
        for item in self.filter(kind=kind):
            if text == item.name or text in item.synonym_list:
                return item
        return None


class ReferenceItem(models.Model):
    """An entry of a reference list (causes, attributes, education …): data, not code."""

    class Kind(models.TextChoices):
        ATTRIBUTE = "attribute", _("Household attribute")
        ABILITY = "ability", _("Ability to work")
        CAUSE = "cause", _("Cause of poverty")
        RELATION = "relation", _("Relation to the head")
        ETHNICITY = "ethnicity", _("Ethnicity")
        EDUCATION = "education", _("Education")
        IN_SCHOOL = "in_school", _("In-school status")
        HEALTH = "health", _("Health")
        LABOUR_SKILL = "labour_skill", _("Labour skill")
        WORK_STATUS = "work_status", _("Work status")
        FOUR_LOOKS = "four_looks", _("四看 (four looks)")
        FIVE_PRIORITIES = "five_priorities", _("五优先 (five priorities)")
        SIX_IN = "six_in", _("六进 (six in)")
        SEVEN_OUT = "seven_out", _("七不进 (seven out)")

    #: The kinds whose items are ticked in an identification assessment.
    ASSESSMENT_KINDS = [Kind.FOUR_LOOKS, Kind.FIVE_PRIORITIES, Kind.SIX_IN, Kind.SEVEN_OUT]

    kind = models.CharField(_("list"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    synonyms = models.CharField(
        _("synonyms"),
        max_length=300,
        blank=True,
        help_text=_("Other spellings found in rosters, separated by 、 or commas."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ReferenceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference list item")
        verbose_name_plural = _("reference list items")
        ordering = ["kind", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="reference_item_unique_name")
        ]

    def __str__(self):
        return self.name

    @property
    def synonym_list(self):
        return [s for s in "".join(self.synonyms.split()).replace(",", "、").split("、") if s]
