"""Scale-out on PostgreSQL's own replication (issue 19): a real streaming replica of the
throwaway server (`pg_basebackup -R`, a second `pg_ctl`), the dashboard read from it, saves on
the primary, and a user who has just saved reading from the primary."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.skipif(
    not shutil.which("pg_basebackup")
    or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs the throwaway PostgreSQL and pg_basebackup",
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup):
    """A streaming replica of the primary, as the alias "replica" on the primary's test DB
    (set up before the test's database fixture, which must know the alias)."""
    primary = connection.settings_dict
    # Not in pytest's tmp_path: the server's user must reach the folder.
    top = Path(tempfile.mkdtemp(prefix="bangfu-replica-"))
    folder = top / "data"
    as_owner = []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root (scripts/with-postgres)
        shutil.chown(top, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    source = ["-h", primary["HOST"], "-p", str(primary["PORT"]), "-U", primary["USER"]]
    subprocess.run(
        [*as_owner, "pg_basebackup", *source, "-D", str(folder), "-R", "--checkpoint=fast"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {top} -c listen_addresses=127.0.0.1"
    log = str(top / "replica.log")
    subprocess.run(
        [*as_owner, "pg_ctl", "-D", str(folder), "-l", log, "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    connections.settings["replica"] = {**primary, "PORT": str(port), "TEST": {"MIRROR": "default"}}
    try:
        yield connections["replica"]
    finally:
        connections["replica"].close()
        del connections.settings["replica"]
        subprocess.run(
            [*as_owner, "pg_ctl", "-D", str(folder), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(top, ignore_errors=True)


def arrives(replica, number, seconds=10):
    """Whether the household ``number`` written on the primary reaches the replica."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with replica.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM households_household WHERE number = %s", [number])
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_dashboard_reads_the_replica_and_a_save_goes_to_the_primary(
    replica, as_user, county_officer, township_leader
):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)  # a standby, streaming from the primary
    household = PersonFactory().household
    assert arrives(replica, household.number)

    client = as_user(county_officer)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        assert client.get(reverse("home")).status_code == 200
    assert any("households_household" in q["sql"] for q in on_replica.captured_queries)
    assert not any("households_household" in q["sql"] for q in on_primary.captured_queries)

    # A save goes to the primary, and the user's next page reads the primary (pinned).
    url = reverse("households:edit", args=[household.pk])
    data = {
        "main_cause": household.main_cause_id or "",
        "housing": "safe",
        "farmland_mu": "2",
        "forest_mu": "0",
        "bank_name": "农村信用社",
        "version": household.version,
    }
    with CaptureQueriesContext(replica) as on_replica:
        assert client.post(url, data).status_code == 302
    assert not on_replica.captured_queries
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("home"))
    assert not on_replica.captured_queries
