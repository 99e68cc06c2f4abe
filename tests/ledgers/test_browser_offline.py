"""Offline in the village (issue 20, items 2, 5 and 6), in headless Chromium with its network
cut (`context.set_offline` for the pages, a route that aborts the service worker's own
requests): the cadre's households and ledgers are kept on the phone while online; offline the
cadre opens one, records a visit with a photo and an income, sees 待同步 2; back online both
reach the server through its own forms, with history. An edit made on the server meanwhile
comes back as a conflict, never overwritten; logging out removes what the phone kept."""

import time

import pytest
from django.urls import reverse

from households.models import Household
from ledgers.models import Income, Visit
from tests.factories import VisitFactory, picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-for-tests-2016"
KEPT = """async () => {
  const cache = await caches.open("bangfu-pages");
  return (await cache.keys()).map((request) => new URL(request.url).pathname);
}"""


def cut_worker(route):
    if route.request.service_worker:
        route.abort("internetdisconnected")
    else:
        route.continue_()


def offline(context):
    context.set_offline(True)
    context.route("**/*", cut_worker)


def online(context):
    context.unroute("**/*", cut_worker)
    context.set_offline(False)


@pytest.fixture
def phone(browser, live_server, township_cadre, household):
    township_cadre.set_password(PASSWORD)
    township_cadre.save()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(reverse("login"))
    page.fill("input[name=username]", "cadre")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(reverse("ledgers:mine"))
    # The worker takes over, then keeps the household's ledger and its everyday forms.
    page.wait_for_function("() => document.body.dataset.keptBytes !== undefined", timeout=20_000)
    yield context, page
    context.close()


def test_the_cadre_records_offline_and_it_reaches_the_server_when_back_online(
    phone, household, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    context, page = phone
    ledger = reverse("ledgers:ledger", args=[household.pk])
    assert ledger in page.evaluate(KEPT)
    assert not page.locator(".outbox-count").is_visible()  # nothing waits: no badge
    kept = int(page.evaluate("document.body.dataset.keptBytes"))
    print(f"kept for one household: {kept} bytes")

    offline(context)
    start = time.perf_counter()
    page.goto(ledger)
    opened = time.perf_counter() - start
    print(f"ledger opened from the phone in {opened * 1000:.0f} ms")
    assert "帮扶记录簿" in page.text_content("h1")
    page.wait_for_load_state("domcontentloaded")

    page.click(".action-bar >> text=登记走访")
    form = page.locator("#visits form")
    form.locator("[name=findings]").fill("离线记录：修缮屋顶")
    photo = tmp_path / "屋顶.png"
    photo.write_bytes(picture())
    form.locator("input[name=photos]").set_input_files(str(photo))
    page.wait_for_timeout(300)  # the photo is made smaller first
    form.locator("button[type=submit]").click()
    page.locator("#visits .saved-note").wait_for()

    page.click(".action-bar >> text=登记收入")
    form = page.locator("#incomes form")
    form.locator("[name=year]").fill("2017")
    form.locator("[name=wages]").fill("9000")
    form.locator("button[type=submit]").click()
    page.locator("#incomes .saved-note").wait_for()
    assert "待同步 2" in page.text_content("#outbox h2")
    assert page.locator(".outbox-count").is_visible()
    assert not Visit.objects.exists()
    assert not Income.objects.exists()

    online(context)  # the page hears "online" and sends the queue by itself
    page.locator("#outbox").wait_for(state="detached", timeout=20_000)
    visit = Visit.objects.get(household=household)
    assert visit.findings == "离线记录：修缮屋顶"
    assert visit.photos.count() == 1
    assert visit.history.count() == 1
    assert Income.objects.get(household=household).wages == 9000


def test_an_edit_changed_on_the_server_meanwhile_comes_back_as_a_conflict(phone, household):
    context, page = phone
    visit = VisitFactory(household=household, findings="原来的记录")
    page.goto(reverse("ledgers:ledger", args=[household.pk]))
    page.wait_for_load_state("domcontentloaded")
    page.click(f"#visits a[href='{reverse('ledgers:item_edit', args=['visit', visit.pk])}']")
    form = page.locator("#visits form")
    form.locator("[name=findings]").wait_for()

    offline(context)
    form.locator("[name=findings]").fill("离线时改的记录")
    form.locator("button[type=submit]").click()
    page.locator("#visits .saved-note").wait_for()
    Visit.objects.filter(pk=visit.pk).update(findings="服务器上改的记录", version=visit.version + 1)

    online(context)
    page.locator("#outbox .outbox-answer").wait_for(timeout=20_000)
    answer = page.text_content("#outbox")
    assert "服务器上改的记录" in answer  # what is stored now, beside the cadre's own
    assert "离线时改的记录" in answer
    visit.refresh_from_db()
    assert visit.findings == "服务器上改的记录"  # never overwritten
    page.click("#outbox >> text=用本机的内容替换")  # the cadre's choice
    page.locator("#outbox").wait_for(state="detached", timeout=20_000)
    visit.refresh_from_db()
    assert visit.findings == "离线时改的记录"
    assert visit.history.count() == 2


def test_logging_out_removes_what_the_phone_kept(phone, household):
    _context, page = phone
    assert page.evaluate(KEPT)
    page.click(".menu-toggle")
    page.click("header button:has-text('退出')")
    page.wait_for_url("**/accounts/login/**")
    assert not page.evaluate("async () => caches.has('bangfu-pages')")
    databases = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "bangfu" not in databases


def test_a_household_the_cadre_no_longer_has_is_dropped_from_the_phone(phone, household):
    _context, page = phone
    ledger = reverse("ledgers:ledger", args=[household.pk])
    assert ledger in page.evaluate(KEPT)
    Household.objects.filter(pk=household.pk).update(contact_cadre=None)
    page.goto(reverse("ledgers:mine"))  # the list the phone keeps to: now empty
    page.wait_for_function(
        f"async () => !(await (await caches.open('bangfu-pages')).match('{ledger}'))"
    )


@pytest.fixture
def no_local_days(settings):
    settings.LOCAL_DATA_DAYS = 0  # whatever is kept is at once too old to be shown


def test_kept_pages_expire_after_local_data_days(no_local_days, phone, household):
    context, page = phone
    offline(context)
    page.goto(reverse("ledgers:ledger", args=[household.pk]))
    assert "此页没有保存在本机" in page.text_content("body")
    assert not page.evaluate("async () => caches.has('bangfu-pages')")
