from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.dashboard import take_snapshot
from assessments.models import FiguresSnapshot


class Command(BaseCommand):
    help = (
        "Count every township's figures again for the dashboards above a county (cities, the "
        "province): this year and every year with a snapshot, or the years given. The pages "
        "ask for this themselves once a snapshot is older than FIGURES_SNAPSHOT_MINUTES; run "
        "it after a large import, or from a timer, so that no page waits for the first count."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="A year (repeatable).")

    def handle(self, *args, year, **options):
        today = timezone.localdate()
        years = year or sorted(
            {today.year, *FiguresSnapshot.objects.values_list("year", flat=True)}
        )
        for each in years:
            snapshot = take_snapshot(each, today)
            self.stdout.write(f"{each}: {snapshot.townships.count()} townships")
