"""Projects and funds in headless Chromium: a township leader plans a project, the county office
sets its budget, the leader pays from it and is refused a payment over it; the county office
reads the township's fund ledger."""

from decimal import Decimal

import pytest

from ledgers.models import OverBudgetAttempt, Payment, Project

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_leader_pays_within_the_budget_and_the_county_sees_it_in_the_fund_ledger(
    login_page, township_leader, county_officer, household
):
    for user in (township_leader, county_officer):
        user.set_password("pw-for-tests-2016")
        user.save()
    page = login_page("leader")

    # A project with a fiscal budget for one beneficiary household.
    page.click("nav >> text=项目")
    page.click("text=新建项目")
    page.select_option("select[name=township]", "449901101")
    page.fill("input[name=name]", "石塘村百香果种植")
    page.select_option("select[name=category]", "industry")
    page.fill("input[name=starts_on]", "2017-03-01")
    page.fill("input[name=ends_on]", "2017-12-31")
    page.select_option("select[name=beneficiaries]", str(household.pk))
    assert page.locator("input[name=budget_fiscal]").count() == 0  # budgets are the county's
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    project = Project.objects.get()
    assert page.text_content("h1") == "石塘村百香果种植"
    assert list(project.beneficiaries.all()) == [household]
    assert not project.budgets.exists()

    # The county office sets its budget.
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/**")  # the phone's kept data goes first
    login_page("county")
    page.goto(f"/ledgers/projects/{project.pk}/edit/")
    page.fill("input[name=budget_fiscal]", "10000")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    assert project.budgets.get(source="fiscal").amount == 10000
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/**")  # the phone's kept data goes first
    login_page("leader")
    page.goto(f"/ledgers/projects/{project.pk}/")

    # A payment with its voucher.
    page.click("text=登记拨付")
    page.fill("input[name=date]", "2017-04-10")
    page.fill("input[name=amount]", "6000")
    page.select_option("select[name=source]", "fiscal")
    page.fill("input[name=payee]", "陈户主")
    page.select_option("select[name=household]", str(household.pk))
    page.fill("input[name=voucher]", "记字第12号")
    page.fill("input[name=purpose]", "购买果苗")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    payment = Payment.objects.get()
    assert (payment.amount, payment.voucher, payment.household) == (
        Decimal("6000"),
        "记字第12号",
        household,
    )
    assert page.locator("tr", has_text="记字第12号").count() == 1

    # One that would take the fiscal budget over: refused, nothing paid.
    page.click("text=登记拨付")
    page.fill("input[name=amount]", "5000")
    page.select_option("select[name=source]", "fiscal")
    page.fill("input[name=payee]", "陈户主")
    page.fill("input[name=purpose]", "购买化肥")
    page.click("main button[type=submit]")
    refusal = page.locator(".errorlist").text_content()
    assert "拒绝拨付" in refusal
    assert "10000.00" in refusal
    assert "5000" in refusal
    assert list(Payment.objects.all()) == [payment]
    assert OverBudgetAttempt.objects.get().amount == 5000

    # The county office finds the payment in the township's fund ledger.
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/**")  # the phone's kept data goes first
    login_page("county")
    page.locator("#funds").get_by_role("link", name="示例东1镇").click()
    assert "示例东1镇" in page.text_content("h1")
    row = page.locator("tr", has_text="记字第12号")
    assert "石塘村百香果种植" in row.text_content()
    assert "6,000.00" in row.text_content()
    assert "购买化肥" not in page.text_content("main")
