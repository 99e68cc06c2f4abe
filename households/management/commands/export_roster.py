import getpass

from django.core.management.base import BaseCommand, CommandError

from households.exports import roster_workbook
from households.models import Household
from households.services import disclosure_log
from teams.models import Area


class Command(BaseCommand):
    help = (
        "Write the registry of a county in the roster format (docs/roster.md): one row per current "
        "member, household fields on the head's row, cancelled households left out. ID numbers "
        "and phones are masked unless --full; every --full export is logged like a reveal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 449901.")
        parser.add_argument("-o", "--output", required=True, help="The .xlsx file to write.")
        parser.add_argument(
            "--full", action="store_true", help="Write unmasked ID numbers and phones (logged)."
        )
        parser.add_argument("--reason", default="", help="Why a --full export is needed.")

    def handle(self, *args, county, output, full, reason, **options):
        area = Area.objects.filter(code=county, level=Area.Level.COUNTY).first()
        if area is None:
            raise CommandError(f"No county with code {county}.")
        if full:
            disclosure_log(
                action="export",
                user=None,
                actor=f"manage.py export_roster ({getpass.getuser()})",
                area_code=county,
                record=f"roster {county} → {output}",
                reason=reason or "export_roster --full",
            )
        households = (
            Household.objects.in_area(county)
            .exclude(status=Household.Status.CANCELLED)
            .for_roster()
        )
        title = f"{area.name}建档立卡贫困人口花名册"
        workbook = roster_workbook(title, households.iterator(chunk_size=2000), full=full)
        workbook.save(output)
        rows = workbook.active.max_row - 2
        self.stdout.write(f"Wrote {rows} persons of {area.name} ({county}) to {output}.")
