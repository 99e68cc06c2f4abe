import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from households.models import Access


class Command(BaseCommand):
    help = "Delete access-log rows older than ACCESS_LOG_RETENTION_DAYS. Run it daily."

    def handle(self, *args, **options):
        cutoff = timezone.now() - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
        count, _deleted = Access.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"{count} access-log rows deleted.")
