"""Nothing typed is lost (issue 20, item 3), in headless Chromium: a ledger form keeps a
draft on the device while typing; a save that meets an expired session keeps the form,
offers a login in a new tab and sends the form by itself once logged in; logging out removes
everything the site kept on the device."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ledgers.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-2016"
LOCAL = "Object.keys(localStorage).filter((name) => name.startsWith('bangfu:'))"


@pytest.fixture
def ledger(login_page, township_cadre, household):
    township_cadre.set_password(PASSWORD)
    township_cadre.save()
    page = login_page("cadre")
    page.goto(reverse("ledgers:ledger", args=[household.pk]))
    page.wait_for_load_state("domcontentloaded")
    return page


def open_visit_form(page):
    page.click("#visits >> text=登记走访")
    form = page.locator("#visits form")
    form.locator("[name=findings]").wait_for()
    return form


def test_a_save_after_the_session_expired_logs_in_and_sends_the_form(ledger, household):
    page = ledger
    form = open_visit_form(page)
    form.locator("[name=findings]").fill("屋顶漏雨，需危房改造")
    Session.objects.all().delete()  # the session ends while the cadre types
    form.locator("button[type=submit]").click()
    note = page.locator("#visits .send-note")
    note.wait_for()
    assert "登录已过期" in note.text_content()
    assert form.locator("[name=findings]").input_value() == "屋顶漏雨，需危房改造"
    assert not Visit.objects.exists()

    with page.expect_popup() as opened:
        note.locator("a").click()
    login = opened.value
    login.fill("input[name=username]", "cadre")
    login.fill("input[name=password]", PASSWORD)
    login.click("button[type=submit]")
    login.locator("#relogged").wait_for()

    page.locator("#visits td", has_text="屋顶漏雨，需危房改造").wait_for()
    assert Visit.objects.get(household=household).findings == "屋顶漏雨，需危房改造"
    assert "已保存" in page.locator("#visits .saved-note").text_content()
    assert page.evaluate(LOCAL) == []  # the draft went with the save


def test_a_draft_survives_a_reload_and_can_be_discarded(ledger):
    page = ledger
    form = open_visit_form(page)
    form.locator("[name=findings]").fill("孩子上学路远")
    page.reload()
    page.wait_for_load_state("domcontentloaded")
    form = open_visit_form(page)
    assert form.locator("[name=findings]").input_value() == "孩子上学路远"
    note = form.locator(".draft-note")
    assert "本机" in note.text_content()
    note.locator("button").click()
    assert form.locator("[name=findings]").input_value() == ""
    assert page.evaluate(LOCAL) == []


def test_logging_out_removes_what_the_site_kept_on_the_device(ledger):
    page = ledger
    form = open_visit_form(page)
    form.locator("[name=findings]").fill("低保待续")
    assert len(page.evaluate(LOCAL)) == 1
    page.click("header button:has-text('退出')")
    page.wait_for_url("**/accounts/login/**")
    assert page.evaluate(LOCAL) == []
