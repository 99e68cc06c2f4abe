"""The whole country's division codes (about 680,000, the size of the published file) loaded
by `load_areas` into PostgreSQL and into a fresh SQLite database, as `make run` has.

Figures: seconds and peak memory of each load, in a process of its own, against the floor of
inserting the same rows with one plain executemany into a table of the same columns.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = (31, 11, 9, 12, 16)  # provinces, cities a province, counties, townships, villages


def write_national(path):
    """A file shaped like the published one: its header, 12-digit codes, every level."""
    from tests.teams.test_load_areas import national

    path.write_text(national(SIZES), encoding="utf-8")
    return path


def run(workdir):
    from bench.roster_import import database_url

    path = write_national(Path(workdir) / "areas-national.csv")
    codes = path.read_text(encoding="utf-8").count("\n") - 1
    sqlite = Path(workdir) / "areas.sqlite3"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{sqlite}", "DEBUG": "1"}
    subprocess.run([sys.executable, str(root / "manage.py"), "migrate", "-v0"], env=env, check=True)
    for label, url in (("PostgreSQL", database_url()), ("SQLite", f"sqlite:///{sqlite}")):
        done = subprocess.run(
            [sys.executable, "-m", "bench.areas", str(path)],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
            text=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        seconds, floor = measured["seconds"], measured["floor"]
        print(
            f"load_areas, {label}: {codes:,} codes in {seconds:.1f} s · plain insert floor "
            f"{floor:.1f} s, {seconds / floor:.1f}× · peak {measured['peak_mb']:.0f} MB",
            flush=True,
        )


def child(path):
    """Load the file, rolled back, then time the plain insert of the same rows."""
    import django

    django.setup()
    from django.db import connection, transaction

    from teams.codes import significant
    from teams.services import areas_load, read_area_csv

    with transaction.atomic():
        start = time.perf_counter()
        result = areas_load(rows=read_area_csv(path.read_bytes()))
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = read_area_csv(path.read_bytes())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE floor (code varchar(12), name varchar(100), level smallint, "
            "parent varchar(12))"
        )
        start = time.perf_counter()
        values = []
        for _line, raw, name in rows:
            code = significant(raw)
            values.append((code, name, len(code), code[:-3] or None))
        cursor.executemany("INSERT INTO floor VALUES (%s, %s, %s, %s)", values)
        floor = time.perf_counter() - start
        transaction.set_rollback(True)
    print(
        json.dumps(
            {"seconds": seconds, "floor": floor, "peak_mb": peak_mb, "created": result.created}
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    child(Path(sys.argv[1]))
