"""Run every benchmark against a freshly migrated throwaway database.

`make bench` starts a throwaway PostgreSQL (scripts/with-postgres); Django's test-database
machinery creates and migrates a database of its own inside it and drops it afterwards.
"""

import os
import sys
import tempfile

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import areas, crosschecks, dashboard, roster_import

    modules = [roster_import, areas, dashboard, crosschecks]
    # `python -m bench dashboard` runs the named benchmarks only.
    if names := sys.argv[1:]:
        modules = [module for module in modules if module.__name__.split(".")[-1] in names]

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        if connection.vendor == "sqlite":
            # The child processes of a benchmark need a database file, not an in-memory one.
            connection.settings_dict["TEST"]["NAME"] = os.path.join(workdir, "bench.sqlite3")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            for module in modules:
                module.run(workdir)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
