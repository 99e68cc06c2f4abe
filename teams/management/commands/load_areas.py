from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from teams.services import AreaFileError, areas_load, read_area_csv


class Command(BaseCommand):
    help = (
        "Load statistical division codes from a CSV with the header 'code,name'. Codes are the "
        "published 12 digits (trailing zeros mark higher levels) or the short forms of 2, 4, 6, "
        "9 or 12 digits. Known areas are renamed, new ones added, none duplicated. When any row "
        "is bad, every bad row is printed with its line number and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            result = areas_load(rows=read_area_csv(file.read_bytes()))
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except AreaFileError as exc:
            for line, message in exc.errors:
                self.stderr.write(f"{file}:{line}: {message}")
            raise CommandError(f"{len(exc.errors)} invalid rows; nothing was written.") from exc
        self.stdout.write(
            f"{result.created} areas added, {result.updated} renamed, {result.unchanged} unchanged."
        )
