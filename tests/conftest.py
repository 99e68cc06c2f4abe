"""Named personas and the browser harness shared by every test."""

import os
import shutil

import pytest
from django.conf import settings
from django.utils import translation

from teams.models import User
from tests.factories import AreaFactory, MemberFactory, TeamFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls in that thread
# are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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
    """A township user of 示例西2镇: must never see anything of 示例东1镇."""
    return UserFactory(username="outsider", role=User.Role.TOWNSHIP, area=west_team.township)


@pytest.fixture
def other_county_officer(db):
    return UserFactory(
        username="other_county",
        role=User.Role.COUNTY,
        is_staff=True,
        area=AreaFactory(code="449902", name="另一县"),
    )


@pytest.fixture
def as_user(client):
    """Log ``client`` in as a user: ``as_user(township_cadre).get(url)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (no browser download)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

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


@pytest.fixture
def login_page(page):
    """Log in through the real login form; returns the page on the home screen."""

    def login(username, password="pw-for-tests-2016"):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        return page

    return login
