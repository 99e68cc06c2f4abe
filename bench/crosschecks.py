"""Cross-checks at the scale of a province (issue 22, PostgreSQL).

On the province the dashboards benchmark generates (664,000 households, 1.73 M persons; made
here when that benchmark has not run), one in seventeen persons is given a real ID number and
a distinct name (a few hundred share a name and birth date under two numbers). The figures:
a 1,000,000-row vehicle list (CSV, a tenth of it naming registry members) matched against the
whole province, and the data-quality rules over the province, each in a process of its own
for its peak memory, with persons per second.
"""

import csv
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROWS = 1_000_000
EVERY = 17  # one person in EVERY gets a real ID number
TARGET_SECONDS = 60
TARGET_PEAK_MB = {"list": 500, "rules": 500}


def prepare(workdir):
    """The ID numbers and names of the province, and the list; returns its path."""
    from django.db import connection
    from django.utils import timezone

    from bench import dashboard
    from households.idnumber import compose_id_number
    from households.sensitive import keyed_hasher

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM households_person")
        if cursor.fetchone()[0] < 1_000_000:
            year = timezone.localdate().year
            dashboard.generate(
                *dashboard.make_province(),
                dashboard.PROVINCE["villages"],
                dashboard.PROVINCE["households"],
                year,
            )
        # Distinct names, then 300 pairs of twins: same name and birth date, two numbers.
        cursor.execute("UPDATE households_person SET name = '村民' || id")
        cursor.execute(
            "UPDATE households_person SET name = '双胞' || (id / 2) WHERE id IN "
            "(SELECT id FROM households_person ORDER BY id LIMIT 600)"
        )
        cursor.execute(f"SELECT id FROM households_person WHERE id % {EVERY} = 0 ORDER BY id")
        chosen = [row[0] for row in cursor.fetchall()]
    hasher = keyed_hasher()
    start = datetime.date(1940, 1, 1)

    def number(n, region):
        return compose_id_number(region, start + datetime.timedelta(days=n // 1000), n % 1000)

    members = [(pk, number(n, "460101")) for n, pk in enumerate(chosen)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE real_ids (id integer, hash varchar(64))")
        with cursor.copy("COPY real_ids (id, hash) FROM STDIN") as copy:
            for pk, value in members:
                copy.write_row((pk, hasher(value)))
        cursor.execute(
            "UPDATE households_person p SET id_number_hash = r.hash FROM real_ids r "
            "WHERE p.id = r.id"
        )
        cursor.execute("ANALYZE households_person")
    path = Path(workdir) / "vehicles.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["序号", "姓名", "身份证号", "号牌号码", "车辆类型"])
        matching = iter(members[: ROWS // 10])
        for n in range(ROWS):
            member = next(matching, None) if n % 10 == 0 else None
            value = member[1] if member else number(n, "469999")
            writer.writerow([n + 1, "车主", value, f"琼A·{n % 100000:05d}", "小型轿车"])
    return path, len(members)


def measure(task, *args):
    from bench.roster_import import database_url

    done = subprocess.run(
        [sys.executable, "-m", "bench.crosschecks", task, *map(str, args)],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"bench.crosschecks {task} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(workdir):
    start = time.perf_counter()
    path, real = prepare(workdir)
    print(
        f"cross-checks: {real:,} persons of the province given real ID numbers and a "
        f"{ROWS:,}-row vehicle list written in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    listed = measure("list", path)
    print(
        f"cross-check, a {ROWS:,}-row vehicle list against the province ({listed['persons']:,} "
        f"persons): {listed['seconds']:.1f} s (target ≤ {TARGET_SECONDS} s, "
        f"{listed['seconds'] / TARGET_SECONDS:.2f}× the target), {listed['rows_per_s']:,.0f} "
        f"rows/s, {listed['matched']:,} matches · peak {listed['peak_mb']:.0f} MB "
        f"(target ≤ {TARGET_PEAK_MB['list']} MB)",
        flush=True,
    )
    rules = measure("rules")
    print(
        f"data-quality rules over the province ({rules['persons']:,} persons): "
        f"{rules['seconds']:.1f} s (target ≤ {TARGET_SECONDS} s, "
        f"{rules['seconds'] / TARGET_SECONDS:.2f}× the target), "
        f"{rules['persons'] / rules['seconds']:,.0f} persons/s, {rules['opened']:,} findings · "
        f"peak {rules['peak_mb']:.0f} MB (target ≤ {TARGET_PEAK_MB['rules']} MB)",
        flush=True,
    )


def child(task, *args):
    """One measured task, alone in its process so that its peak memory is its own."""
    import django

    django.setup()
    from django.utils import timezone

    from assessments.quality import run_rules
    from households.crosschecks import crosscheck_import
    from households.models import Household, ListKind, Person
    from teams.models import Area

    persons = Person.objects.unscoped().count()
    province = Area.objects.get(code="46")
    start = time.perf_counter()
    if task == "list":
        report = crosscheck_import(
            Path(args[0]),
            kind=ListKind.objects.get(code="vehicle"),
            county=province,
            as_of=timezone.localdate(),
            file_name="vehicles.csv",
        )
        figures = {"matched": report.outside_list.matched, "rows": report.rows}
    else:
        opened = run_rules(Household.objects.unscoped().in_area("46"))
        figures = {"opened": sum(opened.values())}
    seconds = time.perf_counter() - start
    figures |= {
        "seconds": seconds,
        "persons": persons,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if task == "list":
        figures["rows_per_s"] = figures["rows"] / seconds
    print(json.dumps(figures))


if __name__ == "__main__":
    child(*sys.argv[1:])
