"""Run every benchmark against a freshly migrated throwaway database.

`make bench` starts a throwaway PostgreSQL (scripts/with-postgres); Django's test-database
machinery creates and migrates a database of its own inside it and drops it afterwards.
"""

import os
import tempfile

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import roster_import

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as workdir:
        if connection.vendor == "sqlite":
            # The child processes of a benchmark need a database file, not an in-memory one.
            connection.settings_dict["TEST"]["NAME"] = os.path.join(workdir, "bench.sqlite3")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            for module in [roster_import]:
                module.run(workdir)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
