from django.core.management.base import BaseCommand, CommandError

from assessments.quality import RULES, run_rules
from households.models import Household
from teams.models import Area


class Command(BaseCommand):
    help = (
        "Run the data-quality rules (assessments/quality.py) over an area's registry and "
        "ledgers (the whole database by default), for cron: new hits become findings for the "
        "township teams, findings the data no longer shows are cleared, reviews are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", default="", help="An area code: a county, city, province.")
        parser.add_argument("--year", type=int, default=None, help="This year by default.")

    def handle(self, *args, area, year, **options):
        if area and not Area.objects.filter(code=area).exists():
            raise CommandError(f"No area with the code {area}.")
        opened = run_rules(Household.objects.unscoped().in_area(area), year)
        for code, count in opened.items():
            self.stdout.write(f"{code}: {count} new ({RULES[code].label})")
