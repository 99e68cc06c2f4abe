"""A contact cadre's day in headless Chromium: visit, measure and income, then the book."""

import pytest
from django.urls import reverse

from ledgers.models import Income, Measure, MeasureCategory, Visit

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_cadre_records_a_visit_a_measure_and_income_in_place(login_page, township_cadre, household):
    township_cadre.set_password("pw-for-tests-2016")
    township_cadre.save()
    page = login_page("cadre")
    page.click(f"a[href='{reverse('ledgers:mine')}']")
    assert "我的帮扶户" in page.text_content("h1")
    assert "待走访" in page.text_content("main")
    page.click("text=陈户主")
    assert "帮扶记录簿" in page.text_content("h1")
    # The in-place editing script is deferred: it runs before DOMContentLoaded. A click before
    # it would follow the link to the plain form page (the page works without the script).
    page.wait_for_load_state("domcontentloaded")

    page.click("#visits >> text=登记走访")
    form = page.locator("#visits form")
    form.locator("[name=findings]").fill("生猪出栏，收入稳定")
    form.locator("[name=next_step]").fill("下月回访")
    form.locator("button[type=submit]").click()
    page.locator("#visits td", has_text="生猪出栏，收入稳定").wait_for()
    assert Visit.objects.get().cadre == township_cadre.member

    page.click("#measures >> text=新增措施")
    form = page.locator("#measures form")
    form.locator("[name=category]").select_option(
        str(MeasureCategory.objects.get(name="产业帮扶").pk)
    )
    form.locator("[name=description]").fill("发放果苗300株")
    form.locator("[name=amount]").fill("-1")
    form.locator("button[type=submit]").click()
    page.locator("#measures .errorlist").wait_for()
    assert not Measure.objects.exists()
    form = page.locator("#measures form")
    form.locator("[name=amount]").fill("1500")
    form.locator("button[type=submit]").click()
    page.locator("#measures td", has_text="发放果苗300株").wait_for()

    page.click("#incomes >> text=登记年度收入")
    form = page.locator("#incomes form")
    form.locator("[name=year]").fill("2017")
    form.locator("[name=wages]").fill("12000")
    form.locator("[name=production_income]").fill("6000")
    form.locator("[name=production_costs]").fill("1500")
    form.locator("button[type=submit]").click()
    page.locator("#incomes td", has_text="5,500.00").wait_for()
    assert Income.objects.get().per_capita == 5500  # (12000 + 6000 − 1500) / 3

    page.goto(reverse("ledgers:print", args=[household.pk]))
    book = page.text_content("main")
    for text in ["陈户主", "生猪出栏，收入稳定", "发放果苗300株", "5,500.00"]:
        assert text in book


@pytest.mark.django_db(transaction=True)
def test_outsider_gets_404_for_the_ledger_in_the_browser(login_page, outsider, household):
    outsider.set_password("pw-for-tests-2016")
    outsider.save()
    page = login_page("outsider")
    response = page.goto(reverse("ledgers:ledger", args=[household.pk]))
    assert response.status == 404
    assert "陈户主" not in page.content()
