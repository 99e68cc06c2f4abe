"""Named personas and the browser harness shared by every test."""

import functools
import os
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.models import User
from teams.two_factor import needs_two_factor
from tests.factories import AreaFactory, MemberFactory, TeamFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls in that thread
# are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


PROJECT_APPS = {"teams", "households", "ledgers", "assessments"}


@pytest.fixture(autouse=True)
def reference_lists(request):
    """Put back the reference lists that data migrations seed, for transactional tests.

    A transactional test (browser, backup) starts after another has flushed every table, and
    the lists (causes, measure categories, 六有 items, poverty lines …) went with them. Every
    data migration of the project is written to be re-run safely (get_or_create), except the
    ones that transform rows of their own time, marked with the hint ``transforms_rows``.
    """
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    plan = dict.fromkeys(node for leaf in graph.leaf_nodes() for node in graph.forwards_plan(leaf))
    for node in plan:
        if node[0] not in PROJECT_APPS:
            continue
        for operation in graph.nodes[node].operations:
            if isinstance(operation, RunPython) and not operation.hints.get("transforms_rows"):
                operation.code(apps, None)


@pytest.fixture(autouse=True)
def chinese():
    """Each test starts in the product's language, whatever an earlier request activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def east_team(db):
    """The team of 示例东1镇 (449901101) in 示例县."""
    return TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))


@pytest.fixture
def west_team(db):
    """The team of 示例西2镇 (449901102), the same county."""
    return TeamFactory(township=AreaFactory(code="449901102", name="示例西2镇"))


@pytest.fixture
def township_cadre(east_team):
    """A contact cadre of 示例东1镇 with a login."""
    user = UserFactory(username="cadre", role=User.Role.TOWNSHIP, area=east_team.township)
    MemberFactory(team=east_team, name="东镇干部", user=user)
    return user


@pytest.fixture
def township_leader(east_team):
    user = UserFactory(username="leader", role=User.Role.TOWNSHIP, area=east_team.township)
    MemberFactory(
        team=east_team, name="东镇书记", post="书记", source="leader", role="leader", user=user
    )
    return user


@pytest.fixture
def county_officer(db):
    return UserFactory(
        username="county",
        role=User.Role.COUNTY,
        is_staff=True,
        area=AreaFactory(code="449901", name="示例县"),
    )


@pytest.fixture
def city_officer(db):
    return UserFactory(
        username="city",
        role=User.Role.CITY,
        is_staff=True,
        area=AreaFactory(code="4499", name="示例市"),
    )


@pytest.fixture
def outsider(west_team):
    """A member of the 示例西2镇 team: must never see anything of 示例东1镇."""
    user = UserFactory(username="outsider", role=User.Role.TOWNSHIP, area=west_team.township)
    MemberFactory(team=west_team, name="西镇干部", user=user)
    return user


@pytest.fixture
def other_county_officer(db):
    return UserFactory(
        username="other_county",
        role=User.Role.COUNTY,
        is_staff=True,
        area=AreaFactory(code="449902", name="另一县"),
    )


def totp_device(user):
    """The user's confirmed TOTP device (made on first use)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True)
    return device


def totp_code(device):
    """The code the user's authenticator app shows now; for a second login within the same 30
    seconds, the code of the next step (the device refuses a code used once, and accepts one
    step of drift)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits).t()
    return f"{totp(device.bin_key, drift=max(0, device.last_t + 1 - now)):06d}"


@pytest.fixture
def as_user(client):
    """Log ``client`` in as a user: ``as_user(township_cadre).get(url)``.

    Users who must use two-factor login (and staff, for the admin) get a session that has
    already passed it. Tests of the second step itself use ``client.force_login``.
    """

    def login(user):
        client.force_login(user)
        if needs_two_factor(user) or user.is_staff:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
            session.save()
        return client

    return login


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (no browser download)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    # Routes see the service worker's own requests (the offline tests cut them): without this
    # a context set offline still lets the worker reach the server.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, username, password="pw-for-tests-2016"):
    """Log in through the real login form, waiting for each form's answer to load.

    Users who must use two-factor login get a TOTP device, and the code is entered for them.
    A click returns before the page it posts to has arrived, so each submit waits for that
    navigation: a wrong password answers with the same URL, which only the navigation shows.
    """
    user = User.objects.filter(username=username).first()
    device = totp_device(user) if user and needs_two_factor(user) else None
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if device and "/accounts/two-factor/" in page.url:
        page.fill("input[name=code]", totp_code(device))
        with page.expect_navigation():
            page.click("main button[type=submit]")
    return page


@pytest.fixture
def login_page(page):
    """Log in through the real login form; returns the page on the home screen."""
    return functools.partial(log_in, page)
