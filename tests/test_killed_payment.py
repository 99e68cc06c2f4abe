"""A payment whose process is killed before it commits leaves no payment and no held lock."""

import datetime
import signal
import subprocess
from decimal import Decimal

import pytest
from django.db import connection

from ledgers.funds import paid, record_payment
from ledgers.models import Payment
from tests.factories import ProjectBudgetFactory, ProjectFactory
from tests.killed import start, wait_until_gone

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's server process (make test)"
)
APPLICATION = "bangfu-killed-payment"
# Pays inside a transaction that the test kills before it commits, with the budget row locked.
CHILD = """
import sys, time
from django.db import transaction
from ledgers.funds import record_payment
from ledgers.models import Project
with transaction.atomic():
    record_payment(project=Project.objects.get(pk={pk}), source="fiscal", amount=600, user=None,
                   date="2017-05-01", payee="被杀的进程", purpose="果苗", voucher="记字第1号")
    print("written", flush=True)
    time.sleep(120)
"""


@pytest.mark.django_db(transaction=True)
def test_a_payment_killed_before_commit_is_not_recorded_and_frees_the_budget():
    project = ProjectFactory()
    ProjectBudgetFactory(project=project, source="fiscal", amount=1000)
    child = start(
        ["shell", "--no-imports", "-c", CHILD.format(pk=project.pk)],
        APPLICATION,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "written", child.stderr.read()
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()
    wait_until_gone(APPLICATION, "payment")

    assert not Payment.objects.exists()
    # The budget row's lock went with the process: the whole budget can still be paid.
    record_payment(
        project=project,
        source="fiscal",
        amount=Decimal("1000"),
        user=None,
        date=datetime.date(2017, 5, 2),
        payee="合作社",
        purpose="果苗",
        voucher="记字第2号",
    )
    assert paid(project, "fiscal") == Decimal("1000")
