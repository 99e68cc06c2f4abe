from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from households.roster import REPAIRS, RosterRefused, roster_import
from teams.models import Area
from teams.permissions import may


class Command(BaseCommand):
    help = (
        "Import a household roster (花名册: .xlsx, .xls, .ods or .csv, the format of "
        "docs/roster.md) into a county. "
        "Every row is checked first; when any row is invalid nothing is written, every problem "
        "is printed with its Excel row and the command exits non-zero. Households are matched "
        "by household number and persons by ID number, so importing a file again changes "
        "nothing; members missing from the file are reported, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--county", required=True, help="The 6-digit county code.")
        parser.add_argument("--dry-run", action="store_true", help="Check and plan, write nothing.")
        parser.add_argument(
            "--user", help="Import as this account: its scope applies and history records it."
        )

    def handle(self, *args, file, county, dry_run, user, **options):
        try:
            area = Area.objects.get(code=county, level=Area.Level.COUNTY)
        except Area.DoesNotExist as exc:
            raise CommandError(f"No county with the code {county}.") from exc
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None or not may(account, "keep_registry"):
                raise CommandError(f"{user} is not an account that may import rosters.")
            if not Area.objects.visible_to(account).filter(code=county).exists():
                raise CommandError(f"The county {county} is outside the scope of {user}.")
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        try:
            report = roster_import(path=file, county=area, user=account, dry_run=dry_run)
        except RosterRefused as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems:
            where = f"row {problem.row}" if problem.row else "file"
            where += f" of sheet {problem.sheet}" if problem.sheet else ""
            value = f" “{problem.value}”" if problem.value else ""
            self.stderr.write(f"{where}, {problem.column}{value}: {problem.message}")
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} problems in {report.row_count} rows: nothing was written."
            )
        self.stdout.write(
            f"{report.row_count} rows. Households: {report.households.new} new, "
            f"{report.households.updated} updated, {report.households.unchanged} unchanged. "
            f"Persons: {report.persons.new} new, {report.persons.updated} updated, "
            f"{report.persons.unchanged} unchanged."
        )
        for key, count in report.repairs.items():
            self.stdout.write(f"Repaired: {REPAIRS[key]}: {count}")
        if report.ignored_columns:
            self.stdout.write(f"Ignored columns: {'、'.join(report.ignored_columns)}")
        for number, name, id_number in report.missing:
            self.stdout.write(f"Not in the file (kept): household {number}, {name} {id_number}")
        self.stdout.write(
            "Dry run: nothing was written." if dry_run else self.style.SUCCESS("Imported.")
        )
