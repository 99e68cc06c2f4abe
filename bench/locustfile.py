"""The load test's users (`make loadtest`, scripts/loadtest drives it).

`TownshipUser`: a township cadre (accounts `load01`…`load50`, made by scripts/loadtest) who
logs in through the real login form, then browses "my households", household ledgers and the
household list, and now and then records a visit. Measuring starts only once every user has
logged in (password hashing is deliberately slow and is not what is measured here) and lasts
LOADTEST_SECONDS. `HealthUser`: the floor, a minimal Django view served the same way.
"""

import datetime
import os
import random
import re
from zoneinfo import ZoneInfo

import gevent
import gevent.event
from locust import HttpUser, between, constant, events, task

#: The server's time zone (TIME_ZONE): a visit is dated by its day there.
CHINA = ZoneInfo("Asia/Shanghai")

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "bangfu-2016")
SECONDS = int(os.environ.get("LOADTEST_SECONDS", 60))
# Seconds a cadre spends reading a page before the next click: min,max.
THINK = [float(value) for value in os.environ.get("LOADTEST_THINK", "1,3").split(",")]
HOUSEHOLD_LINK = re.compile(r'href="/ledgers/household/(\d+)/"')
SELECTED_CADRE = re.compile(r'<option value="(\d+)" selected>')

_logins = {"done": 0}
_measuring = gevent.event.Event()


def _user_names():
    count = int(os.environ.get("LOADTEST_USERS", 50))
    return iter(f"load{number:02d}" for number in range(1, count + 1))


_names = _user_names()


def _start_measuring(environment):
    """Everybody is logged in: forget the logins, measure for SECONDS, then stop."""
    environment.runner.stats.reset_all()
    _measuring.set()
    gevent.spawn_later(SECONDS, environment.runner.quit)


class TownshipUser(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        self.username = next(_names)
        self.client.get("/accounts/login/", name="login form")
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            },
            name="login",
        )
        if "sessionid" not in self.client.cookies:
            raise RuntimeError(f"{self.username} could not log in ({response.status_code})")
        page = self.client.get("/ledgers/mine/?all=1", name="my households (all)")
        self.households = [int(pk) for pk in HOUSEHOLD_LINK.findall(page.text)]
        if not self.households:
            raise RuntimeError(f"{self.username} sees no household")
        _logins["done"] += 1
        if _logins["done"] == self.environment.runner.target_user_count:
            _start_measuring(self.environment)
        _measuring.wait()

    @task(4)
    def my_households(self):
        self.client.get("/ledgers/mine/", name="/ledgers/mine/")

    @task(4)
    def ledger(self):
        pk = random.choice(self.households)
        self.client.get(f"/ledgers/household/{pk}/", name="/ledgers/household/[pk]/")

    @task(2)
    def household_list(self):
        self.client.get("/households/", name="/households/")

    @task(1)
    def record_visit(self):
        pk = random.choice(self.households)
        url = f"/ledgers/household/{pk}/visit/new/"
        form = self.client.get(url, name="/ledgers/household/[pk]/visit/new/ (form)")
        cadre = SELECTED_CADRE.search(form.text)
        with self.client.post(
            url,
            {
                "date": datetime.datetime.now(CHINA).date().isoformat(),
                "cadre": cadre.group(1) if cadre else "",
                "findings": f"{self.username} 入户走访：家中生活正常，了解产业项目进展。",
                "actions": "宣传帮扶政策",
                "version": "",
                "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            },
            name="/ledgers/household/[pk]/visit/new/ (save)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A saved visit redirects to the ledger; a form shown again is a refused save.
            if response.status_code != 302:
                response.failure(f"visit not saved ({response.status_code})")


class HealthUser(HttpUser):
    """The floor: the same server's cheapest Django view, no login, no page to render."""

    wait_time = constant(0)

    def on_start(self):
        _logins["done"] += 1
        if _logins["done"] == self.environment.runner.target_user_count:
            _start_measuring(self.environment)
        _measuring.wait()

    @task
    def healthz(self):
        self.client.get("/healthz")


@events.quitting.add_listener
def _report_unmeasured(environment, **kwargs):
    if not _measuring.is_set():
        environment.process_exit_code = 1
        print("The users never all logged in: nothing was measured.")
