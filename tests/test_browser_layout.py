"""The office desk at 1366×768 (issue 21): the main tables of the pages a county officer and a
team leader use fit the screen without sideways scrolling, and dates, numbers and names never
break inside ("2026-12-" / "02", "王小" / "明")."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.services import assessments_compute
from teams.models import Team, User
from tests.conftest import totp_code, totp_device

pytestmark = pytest.mark.browser

WIDTH = 1366

#: For each page: the widest its tables may be against their containers (none), and the cells
#: that must stay on one line.
MEASURE = """() => {
  // Wrapped: a piece of the text starts a line's height below another (a smaller link
  // beside the text sits a little lower, never a whole line).
  const wraps = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
    return Math.max(...tops) - Math.min(...tops) > parseFloat(getComputedStyle(element).fontSize);
  };
  return {
    page: document.documentElement.scrollWidth,
    tables: [...document.querySelectorAll("main table")]
      .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
      .map(t => (t.id || t.className) + " " + t.scrollWidth + ">" + t.parentElement.clientWidth),
    wrapped: [...document.querySelectorAll("main td.num, main .nowrap, main tbody th, main time")]
      .filter(cell => cell.textContent.trim() && wraps(cell))
      .map(cell => cell.textContent.trim()),
  };
}"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--households", "60")
    year = timezone.localdate().year
    assessments_compute(teams=Team.objects.all(), year=year)
    return year


def log_in(page, username):
    user = User.objects.get(username=username)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "bangfu-2016")
    page.click("button[type=submit]")
    if "/accounts/two-factor/" in page.url:
        page.fill("input[name=code]", totp_code(totp_device(user)))
        page.click("main button[type=submit]")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("username", "urls"),
    [
        (
            "county",
            [
                "/",
                "/assessments/yearly/",
                "/assessments/yearly/report/",
                "/assessments/dashboard/in_poverty/",
                "/households/",
                "/assessments/exits/",
                "/assessments/rectifications/",
                "/ledgers/projects/",
                "/ledgers/funds/449901101/",
            ],
        ),
        ("east_leader", ["/ledgers/mine/?all=1", "/households/", "/teams/"]),
    ],
)
def test_the_main_tables_fit_1366_pixels(browser, live_server, demo, username, urls):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": WIDTH, "height": 768}
    )
    page = context.new_page()
    log_in(page, username)
    for url in urls:
        page.goto(url)
        assert page.locator("main h1").count(), url
        found = page.evaluate(MEASURE)
        assert found["page"] <= WIDTH, (url, found)
        assert found["tables"] == [], (url, found)
        assert found["wrapped"] == [], (url, found)
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("username", "urls"),
    [
        ("county", ["/households/", "/assessments/dashboard/in_poverty/", "/households/?q=陈"]),
        ("east_leader", ["/households/", "/ledgers/mine/?all=1"]),
    ],
)
def test_household_lists_fit_a_360_pixel_phone(browser, live_server, demo, username, urls):
    """On a phone the household lists become cards, each value under its heading: nothing makes
    the page wider than the screen."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    log_in(page, username)
    for url in urls:
        page.goto(url)
        assert page.locator("main tbody tr").count(), url
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    labels = page.goto("/households/") and page.locator("main tbody td[data-label]")
    assert labels.count()
    context.close()
