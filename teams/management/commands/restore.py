"""`make restore BACKUP=<stamp>`: load a backup of `manage.py backup` back.

The database's tables are replaced by the dump's (pg_restore --clean, in one transaction) and
the files of the media tar are written into MEDIA_ROOT.
"""

import subprocess
import tarfile
from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from teams.management.commands.backup import postgres_command


class Command(BaseCommand):
    help = "Restore <stamp>.dump and <stamp>-media.tar.gz from BACKUP_DIR."

    def add_arguments(self, parser):
        parser.add_argument("stamp", help="bangfu-YYYYmmdd-HHMMSS, or the path of a .dump file")
        parser.add_argument(
            "--database-url", help="Restore into this database instead of DATABASE_URL."
        )

    def handle(self, *args, stamp, database_url=None, **options):
        dump = Path(stamp) if stamp.endswith(".dump") else Path(settings.BACKUP_DIR) / stamp
        dump = dump.with_suffix(".dump")
        media = dump.with_name(f"{dump.stem}-media.tar.gz")
        if not dump.is_file():
            raise CommandError(f"{dump}: no such backup.")
        target = environ.Env.db_url_config(database_url) if database_url else None
        settings_dict = target or connection.settings_dict
        command, env = postgres_command("pg_restore", settings_dict)
        command += [
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        if media.is_file():
            with tarfile.open(media) as tar:
                tar.extractall(settings.MEDIA_ROOT, filter="data")
        self.stdout.write(f"Restored {dump.name} and {media.name}.")
