"""The record of a roster import: who uploaded what, its report, and the progress of writing."""

import tempfile
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from households.sensitive import sealed_storage
from teams.models import Area
from teams.scope import ScopedQuerySet


class ImportJob(models.Model):
    """An uploaded roster, checked on upload and written after the officer confirms."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    #: While a job is in one of these, no other import of its county may start.
    BUSY = [Status.QUEUED, Status.RUNNING]

    county = models.ForeignKey(
        Area,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Area.Level.COUNTY},
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", storage=sealed_storage)
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_path = "county__code"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(status__in=["queued", "running"]),
                name="one_running_import_per_county",
                violation_error_message=_("Another roster of this county is being imported."),
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("roster_import:job", args=[self.pk])

    @property
    def percent(self):
        return int(100 * self.rows_done / self.row_count) if self.row_count else 0

    @property
    def is_busy(self):
        return self.status in self.BUSY

    @contextmanager
    def plain_copy(self):
        """The path of the uploaded roster decrypted into a private temporary file (stored, it
        is encrypted: `SealedStorage`), removed when the block ends."""
        with tempfile.NamedTemporaryFile(prefix="roster-") as copy, self.file.open("rb") as file:
            copy.write(file.read())
            copy.flush()
            yield copy.name

    def discard_file(self):
        """Delete the uploaded roster (it holds every ID number, encrypted); the job keeps its
        report. Saved by the caller."""
        if self.file:
            self.file.delete(save=False)
