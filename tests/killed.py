"""For the tests that kill a process in the middle of its transaction: its environment, its
sessions as PostgreSQL sees them, and the wait until PostgreSQL has dropped them."""

import os
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection


def start(command, application, **kwargs):
    """``manage.py command…`` in a child process on the test database, its sessions named
    ``application`` in pg_stat_activity."""
    params = connection.get_connection_params()
    env = {
        **os.environ,
        "DEBUG": "1",  # the development keys, which are also the tests' keys
        "DATABASE_URL": "postgres://{user}@{host}:{port}/{dbname}".format(**params),
        "PGAPPNAME": application,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, **kwargs
    )


def sessions(application, condition="TRUE"):
    """How many sessions named ``application`` PostgreSQL has that meet ``condition`` (SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND {condition}",
            [application],
        )
        return cursor.fetchone()[0]


def wait_until_gone(application, what):
    """Wait until PostgreSQL has dropped the sessions of the killed ``what``."""
    deadline = time.monotonic() + 30
    while sessions(application):
        assert time.monotonic() < deadline, f"PostgreSQL kept the killed {what}'s connection"
        time.sleep(0.05)
