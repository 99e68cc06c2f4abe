"""The office desk at 1366×768 (issue 21): the main tables of the pages a county officer and a
team leader use fit the screen without sideways scrolling, and dates, numbers and names never
break inside ("2026-12-" / "02", "王小" / "明")."""

import datetime
import io

import pypdf
import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.services import assessments_compute
from households.models import Household
from teams.demo import DEMO_PASSWORD
from teams.models import Team
from tests.conftest import log_in
from tests.factories import VisitFactory

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
    log_in(page, username, DEMO_PASSWORD)
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
    log_in(page, username, DEMO_PASSWORD)
    for url in urls:
        page.goto(url)
        assert page.locator("main tbody tr").count(), url
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    labels = page.goto("/households/") and page.locator("main tbody td[data-label]")
    assert labels.count()
    context.close()


def pdf_pages(page, url):
    """The text of each A4 page ``url`` prints to, and whether each page is landscape."""
    page.goto(url)
    page.emulate_media(media="print")
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    return [
        (sheet.extract_text(), sheet.mediabox.width > sheet.mediabox.height)
        for sheet in reader.pages
    ]


@pytest.mark.django_db(transaction=True)
def test_printouts_are_a4_with_page_numbers_the_register_landscape(browser, live_server, demo):
    """The ledger book names its household at the head of every page and numbers the pages
    (- n / total -); the village register prints on landscape pages."""
    household = Household.objects.filter(village__parent__code="449901101").first()
    today = timezone.localdate()
    for day in range(40):
        VisitFactory(
            household=household, date=today - datetime.timedelta(days=day), findings="入户走访" * 30
        )
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    log_in(page, "east_leader", DEMO_PASSWORD)
    book = pdf_pages(page, f"/ledgers/household/{household.pk}/print/")
    assert len(book) > 2
    for number, (text, landscape) in enumerate(book, start=1):
        assert household.number in text, number
        assert f"- {number} / {len(book)} -" in text, number
        assert not landscape
    register = pdf_pages(page, f"/households/villages/{household.village.code}/register/")
    assert all(landscape for _, landscape in register)
    assert household.number in register[0][0]
    context.close()
