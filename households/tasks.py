"""Background work of the household registry, run by the tasks framework's database worker."""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from households.models.imports import ImportJob
from households.roster import RosterRefused, roster_import

logger = logging.getLogger(__name__)


class ImportBusy(Exception):
    """Another roster of the same county is being imported."""


def import_job_check(job: ImportJob) -> None:
    """Check the uploaded roster and plan it (nothing written): errors or the preview."""
    try:
        with job.plain_copy() as path:
            report = roster_import(path=path, county=job.county, user=job.created_by, dry_run=True)
    except RosterRefused as exc:
        job.problems = [{"row": None, "column": "", "value": "", "message": str(exc)}]
        job.status = ImportJob.Status.INVALID
    else:
        job.problems = [problem.as_dict() for problem in report.problems]
        job.summary = report.as_dict()
        job.row_count = report.row_count
        job.status = ImportJob.Status.CHECKED if report.is_valid else ImportJob.Status.INVALID
    job.save()


def import_job_start(job: ImportJob) -> None:
    """Write a checked roster: inline when small, else through the worker; one per county."""
    try:
        with transaction.atomic():
            job.status = ImportJob.Status.QUEUED
            job.save(update_fields=["status"])
    except IntegrityError as exc:
        raise ImportBusy(
            _("Another roster of this county is being imported; wait for it to finish.")
        ) from exc
    if job.row_count > settings.ROSTER_BACKGROUND_ROWS:
        import_job_run.enqueue(job.pk)
    else:
        import_job_run.call(job.pk)


@task()
def import_job_run(job_id: int) -> None:
    """Import the job's roster again from scratch, all or nothing, recording progress where
    the officer's page can see it. The plan must be the one the officer confirmed: when the
    registry has changed since the check, nothing is written and the new plan is previewed."""
    job = ImportJob.objects.select_related("county", "created_by").get(pk=job_id)
    job.status, job.started_at, job.rows_done = ImportJob.Status.RUNNING, timezone.now(), 0
    job.save(update_fields=["status", "started_at", "rows_done"])
    try:
        with _progress_recorder(job) as progress, job.plain_copy() as path:
            report = roster_import(
                path=path,
                county=job.county,
                user=job.created_by,
                progress=progress,
                expected_digest=job.summary.get("digest"),
            )
    except RosterRefused as exc:
        job.problems = [{"row": None, "column": "", "value": "", "message": str(exc)}]
        job.status = ImportJob.Status.FAILED
    except Exception:
        job.problems = [
            {
                "row": None,
                "column": "",
                "value": "",
                "message": _("The import failed unexpectedly; nothing was written."),
            }
        ]
        job.status = ImportJob.Status.FAILED
        # Logged for the operator; the officer's page says it failed and that nothing was
        # written, and the confirming request (a small roster runs inline) is no 500.
        logger.exception("Roster import %s failed", job.pk)
    else:
        job.problems = [problem.as_dict() for problem in report.problems]
        job.summary = report.as_dict()
        job.summary["stale"] = report.stale
        job.rows_done = report.row_count if report.written else 0
        if report.written:
            job.status = ImportJob.Status.DONE
            job.discard_file()  # written: nothing needs the plain file any more
        elif report.stale and report.is_valid:
            job.status = ImportJob.Status.CHECKED
        else:
            job.status = ImportJob.Status.FAILED
    finally:
        job.finished_at = timezone.now()
        job.save()


@contextmanager
def _progress_recorder(job):
    """Progress goes through a connection of its own: the import's transaction hides its rows
    until the end, and the page must see the count grow. SQLite allows one writer: no progress."""
    if connection.vendor != "postgresql":
        yield None
        return
    side = connections.create_connection("default")

    def record(done):
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET rows_done = %s WHERE id = %s",
                [done, job.pk],
            )

    try:
        yield record
    finally:
        side.close()
