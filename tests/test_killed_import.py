"""A roster import killed in the middle of writing leaves nothing of the roster behind."""

import signal
import subprocess
import time

import pytest
from django.db import connection

from bench import roster_import as generated
from households.models import Household, Person
from tests.killed import sessions, start, wait_until_gone

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's server process (make test)"
)
APPLICATION = "bangfu-killed-import"


def writing_persons():
    """Whether the import's connection is inside its transaction, inserting persons.

    Persons are copied in after the households, so by then households are in the transaction.
    """
    condition = "xact_start IS NOT NULL AND query LIKE 'COPY \"households_person\"%%'"
    return sessions(APPLICATION, condition) > 0


def wait_for(condition, seconds, child):
    deadline = time.monotonic() + seconds
    while not condition():
        if child.poll() is not None:
            pytest.fail(f"the import ended on its own ({child.returncode}) before it was killed")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_while_writing_leaves_no_household_or_person(tmp_path):
    roster = tmp_path / "roster.xlsx"
    persons = generated.generate(roster, households=6000)
    generated.create_county()
    child = start(
        ["import_roster", str(roster), "--county", "449901"],
        APPLICATION,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(writing_persons, 120, child)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()
    wait_until_gone(APPLICATION, "import")

    assert persons > 20000
    assert not Household.objects.exists()
    assert not Person.objects.exists()
    assert not Household.history.exists()
    assert not Person.history.exists()
