"""The cadre's daily pages on a 360 px phone and a 1366 px office screen (issue 20, item 1):
nothing scrolls sideways, the everyday actions are in the first screen, the header folds
into a menu on the phone, and a long section shows its latest records first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ledgers.models import Visit
from tests.factories import MeasureFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-2016"
WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture(params=[(360, 740), (1366, 768)], ids=["phone", "office"])
def screen(request, browser, live_server, township_cadre, household):
    township_cadre.set_password(PASSWORD)
    township_cadre.save()
    today = timezone.localdate()
    for day in range(12):
        VisitFactory(
            household=household,
            cadre=township_cadre.member,
            date=today - datetime.timedelta(days=40 + day),
            findings="种植的百香果长势良好，担心销路，需要联系合作社收购" * 2,
        )
    for _index in range(8):
        MeasureFactory(household=household, description="发放果苗300株，并安排技术员上门指导种植")
    width, height = request.param
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.goto(reverse("login"))
    page.fill("input[name=username]", "cadre")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    yield page, width, height
    context.close()


def in_first_screen(page, selector, height):
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_the_daily_pages_fit_the_screen(screen, household):
    page, width, height = screen
    ledger = reverse("ledgers:ledger", args=[household.pk])
    form = reverse("ledgers:item_create", args=[household.pk, "visit"])
    for url in [reverse("home"), reverse("ledgers:mine"), ledger, form]:
        page.goto(url)
        assert page.evaluate(WIDTH) <= width, url

    page.goto(reverse("ledgers:mine"))
    assert in_first_screen(page, ".due-card", height)
    assert in_first_screen(page, "input[name=q]", height)
    assert "待走访（30天未走访）" in page.text_content(".due-card")

    page.goto(ledger)
    page.wait_for_load_state("domcontentloaded")
    for action in ["登记走访", "登记收入", "新增措施"]:
        assert in_first_screen(page, f".action-bar >> text={action}", height), action
    assert page.locator("#visits tbody tr:visible").count() == 3
    assert page.locator("#visits >> text=查看全部（12）").is_visible()


def test_the_action_bar_opens_the_form_in_view_and_saves(screen, household):
    page, _width, height = screen
    page.goto(reverse("ledgers:ledger", args=[household.pk]))
    page.wait_for_load_state("domcontentloaded")
    page.click(".action-bar >> text=登记走访")
    findings = page.locator("#visits form [name=findings]")
    findings.wait_for()
    assert in_first_screen(page, "#visits form [name=findings]", height)
    findings.fill("入户核实危房改造进度")
    page.locator("#visits form button[type=submit]").click()
    page.locator("#visits .saved-note").wait_for()
    assert Visit.objects.filter(findings="入户核实危房改造进度").exists()


def test_the_header_folds_into_a_menu_on_the_phone(screen):
    page, width, _height = screen
    page.goto(reverse("ledgers:mine"))
    page.wait_for_load_state("domcontentloaded")
    nav = page.locator(".site-nav")
    if width > 640:
        assert nav.is_visible()
        assert not page.locator(".menu-toggle").is_visible()
        return
    assert not nav.is_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 80  # one row, not four
    page.click(".menu-toggle")
    assert nav.is_visible()
    assert page.locator(".site-nav >> text=我的帮扶户").is_visible()
