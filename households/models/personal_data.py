"""The logs of personal data: who learned a full value (Disclosure) and who looked (Access)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teams.scope import ScopedQuerySet


class PersonalDataLog(models.Model):
    """What the logs of personal data share: who (the account, and its name should the account
    go), and in which area, for the county office to read them (scoped by ``area_code``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        _("actor"), max_length=150, help_text=_("The account, or the system user of a command.")
    )
    area_code = models.CharField(_("area"), max_length=12)

    scope_path = "area_code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-at"]


class Disclosure(PersonalDataLog):
    """A logged look at unmasked sensitive data: a reveal on a page or a full export (PIPL),
    or an ID number typed into a form that is registered outside the user's area (a clash:
    the user learns nothing of it, the county office sees it here)."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal on a page")
        EXPORT = "export", _("Full export")
        CLASH = "clash", _("ID number registered outside the user's area")

    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    record = models.CharField(
        _("record"), max_length=100, help_text=_("Which record or export, e.g. person 12.")
    )
    field = models.CharField(_("field"), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta(PersonalDataLog.Meta):
        verbose_name = _("disclosure of sensitive data")
        verbose_name_plural = _("disclosures of sensitive data")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.record} {self.field}"


class Access(PersonalDataLog):
    """One look at the personal data of a household, or of a village's households (PIPL
    art. 51, the audit of who processed what): who opened which page or export, and when. A
    page view writes one row. Kept ACCESS_LOG_RETENTION_DAYS (`manage.py purge_access_log`)."""

    class Kind(models.TextChoices):
        FILE = "file", _("Household page")
        EDIT = "edit", _("Edit form")
        CARD = "card", _("Household card")
        LEDGER = "ledger", _("Assistance ledger")
        PRINT = "print", _("Printed ledger")
        HISTORY = "history", _("Ledger history")
        PHOTO = "photo", _("Visit photo")
        REGISTER = "register", _("Village register")
        EXPORT = "export", _("Export")
        FINDING = "finding", _("Cross-check finding")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=8, choices=Kind.choices)
    household_number = models.CharField(_("household number"), max_length=17, blank=True)
    path = models.CharField(_("address"), max_length=300)

    class Meta(PersonalDataLog.Meta):
        verbose_name = _("access to personal data")
        verbose_name_plural = _("accesses to personal data")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_kind_display()}"
