import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from households.crosschecks import ListRefused, crosscheck_import
from households.models import ListKind
from households.roster import RosterRefused
from teams.models import Area


class Command(BaseCommand):
    help = (
        "Match another department's list (.xlsx, .xls, .ods or .csv with an ID number column "
        "证件号码, and optionally 姓名, 乡镇 and detail columns) against a county's registry "
        "(七不进, 不漏一户). ID numbers are kept only as keyed hashes and the file is not kept; "
        "the matches become findings for the township teams. Bad rows are printed; a file with "
        "no readable row writes nothing and exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        kinds = ", ".join(ListKind.objects.values_list("code", flat=True))
        parser.add_argument("--source", required=True, help=f"The kind of list: {kinds}.")
        parser.add_argument("--county", required=True, help="The 6-digit county code.")
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day the list describes (YYYY-MM-DD); today by default.",
        )

    def handle(self, *args, file, source, county, as_of, **options):
        kind = ListKind.objects.filter(code=source).first()
        if kind is None:
            raise CommandError(f"No list kind {source}: see --help for the kinds.")
        area = Area.objects.filter(code=county, level=Area.Level.COUNTY).first()
        if area is None:
            raise CommandError(f"No county with the code {county}.")
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        try:
            report = crosscheck_import(
                file,
                kind=kind,
                county=area,
                as_of=as_of or timezone.localdate(),
                file_name=file.name,
            )
        except ListRefused as exc:
            for where, message in exc.problems:
                self.stderr.write(f"{where}: {message}")
            raise CommandError(str(exc)) from exc
        except RosterRefused as exc:
            raise CommandError(str(exc)) from exc
        for where, message in report.problems:
            self.stderr.write(f"{where}: {message}")
        found = report.outside_list
        self.stdout.write(
            f"{report.rows} rows read, {len(report.problems)} not readable. "
            f"{found.matched} matches and {found.leads} leads are findings for review."
        )
