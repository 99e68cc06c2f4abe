"""`make backup`: the PostgreSQL database (pg_dump, custom format) and a tar of MEDIA_ROOT."""

import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def postgres_command(program, settings_dict):
    """`program` with the connection arguments of a database; the password goes in the env."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("Backups need PostgreSQL (set DATABASE_URL); SQLite is for trying out.")
    args = [program, "--no-owner", "--no-privileges"]
    for flag, key in [("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")]:
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


class Command(BaseCommand):
    help = "Write <stamp>.dump (pg_dump) and <stamp>-media.tar.gz into BACKUP_DIR."

    def handle(self, *args, **options):
        command, env = postgres_command("pg_dump", connection.settings_dict)
        backup_dir = Path(settings.BACKUP_DIR)
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("bangfu-%Y%m%d-%H%M%S")
        dump = backup_dir / f"{stamp}.dump"
        media = backup_dir / f"{stamp}-media.tar.gz"
        command += ["--format=custom", f"--file={dump}", connection.settings_dict["NAME"]]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode:
            dump.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        with tarfile.open(media, "w:gz") as tar:
            if Path(settings.MEDIA_ROOT).is_dir():
                tar.add(settings.MEDIA_ROOT, arcname=".")
        self.stdout.write(f"{dump}\n{media}")
