"""A marriage into another county end to end in headless Chromium (issue 18): the township
cadre records on a phone that the daughter marries out to 另一县; the officer of 另一县 finds
her among the arriving moves on an office screen and receives her into the groom's household;
each county's file of its household tells its side."""

import pytest

from households.models import MemberChange, Person
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, reference

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-2016"


@pytest.mark.django_db(transaction=True)
def test_a_daughter_marries_into_a_household_of_another_county(
    login_page, page, township_cadre, other_county_officer, county_officer
):
    for user in (township_cadre, other_county_officer):
        user.set_password(PASSWORD)
        user.save()
    head = PersonFactory(name="王老汉")
    bride = PersonFactory(
        household=head.household, name="王小花", relation=reference("relation", "女")
    )
    groom = PersonFactory(
        name="李大牛",
        household=HouseholdFactory(village=AreaFactory(code="449902101201", name="李家村")),
    )

    page.set_viewport_size({"width": 360, "height": 800})
    login_page("cadre").goto(head.household.get_absolute_url())
    form = page.locator("form[action$='/member-change/']")
    assert not form.is_visible()  # behind its own button
    page.locator("details", has=form).locator("summary").click()
    form.locator("[name=person]").select_option(label="王小花")
    form.locator("[name=kind]").select_option("marriage_out")
    form.locator("[name=date]").fill("2018-03-01")
    form.locator("[name=destination]").select_option(label="另一县")
    form.locator("[name=note]").fill("嫁往另一县李家村")
    form.locator("button[type=submit]").click()
    page.locator(".messages", has_text="成员变动已记录").wait_for()
    changes = page.locator("section", has=page.locator("h2", has_text="成员变动")).last
    assert "婚出 · 王小花" in changes.inner_text()
    assert "→ 另一县" in changes.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.clear_cookies()

    page.set_viewport_size({"width": 1366, "height": 800})
    login_page("other_county").goto("/households/")
    page.get_by_role("link", name="迁入待接收 1").click()
    row = page.locator("tr", has_text="王小花")
    row.locator("[name=household]").fill(groom.household.number)
    row.locator("[name=relation]").select_option(label="配偶")
    row.locator("[name=date]").fill("2018-03-20")
    row.get_by_role("button", name="接收").click()
    page.locator(".messages", has_text="已接收 王小花").wait_for()
    assert page.url.endswith(groom.household.get_absolute_url())
    members = page.locator("table", has_text="李大牛").first.inner_text()
    assert "王小花" in members
    assert "婚入 · 王小花" in page.locator("body").inner_text()
    page.screenshot(path="/tmp/marriage-received.png", full_page=True)

    wife = groom.household.persons.get(name="王小花")
    assert wife.came_from == bride
    assert wife.changes.get().kind == MemberChange.Kind.MARRIAGE_IN
    bride.refresh_from_db()
    assert bride.left_on is not None
    assert Person.objects.with_id_number(bride.id_number).current().get() == wife
