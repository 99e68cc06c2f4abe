import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from households.models.imports import ImportJob


class Command(BaseCommand):
    help = (
        "Delete uploaded rosters older than ROSTER_FILE_RETENTION_DAYS (they hold every ID "
        "number, encrypted); the jobs keep their reports. Run it daily. An imported roster "
        "is deleted as soon as it is written; a roster being imported is never touched."
    )

    def handle(self, *args, **options):
        cutoff = timezone.now() - datetime.timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS)
        jobs = (
            ImportJob.objects.exclude(file="")
            .exclude(status__in=ImportJob.BUSY)
            .filter(created_at__lt=cutoff)
        )
        count = 0
        for job in jobs:
            job.discard_file()
            job.save(update_fields=["file"])
            count += 1
        self.stdout.write(f"{count} uploaded rosters deleted.")
