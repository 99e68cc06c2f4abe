"""Identification end to end in headless Chromium: the team records the village's steps on a
phone, an objection to the first notice is recorded and dismissed by the leader, the leader
records the township's review and second notice, the county approves on an office screen."""

import pytest

from households.models import Household, Objection
from tests.factories import PersonFactory

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-2016"


def record_step(page, step, date, until=None):
    form = page.locator("form[action$='/identification/step/']")
    form.locator("[name=step]").select_option(step)
    form.locator("[name=date]").fill(date)
    form.locator("[name=responsible]").fill("经办人")
    form.locator("[name=outcome]").select_option("passed")
    if until:
        form.locator("[name=notice_until]").fill(until)
        form.locator("[name=issued_by]").fill("示例村民委员会")
        form.locator("[name=complaint_phone]").fill("0755-12317")
    form.locator("button[type=submit]").click()
    page.locator(".messages").wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_candidate_goes_through_both_notices_and_an_objection_to_registration(
    login_page, page, township_cadre, township_leader, county_officer
):
    for user in (township_cadre, township_leader, county_officer):
        user.set_password(PASSWORD)
        user.save()
    household = PersonFactory(household__status=Household.Status.IDENTIFYING).household
    url = f"/households/{household.pk}/identification/"

    page.set_viewport_size({"width": 360, "height": 800})
    login_page("cadre").goto(url)
    record_step(page, "application", "2016-06-01")
    record_step(page, "democratic_review", "2016-06-02")
    record_step(page, "first_notice", "2016-06-03", until="2016-06-09")
    objection = page.locator("form[action*='/objection/']")
    objection.locator("[name=received_on]").fill("2016-06-05")
    objection.locator("[name=content]").fill("反映该户有小汽车")
    objection.locator("button[type=submit]").click()
    page.locator(".messages", has_text="异议已记录").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    record_step(page, "township_review", "2016-06-12")  # not the cadre's step
    page.locator(".messages", has_text="不是您").wait_for()
    page.context.clear_cookies()

    login_page("leader").goto(url)
    resolve = page.locator("form[action*='/resolve/']")
    resolve.locator("[name=upheld]").select_option("dismissed")
    resolve.locator("[name=resolution]").fill("核实为亲属车辆")
    resolve.locator("[name=resolved_on]").fill("2016-06-08")
    resolve.locator("button[type=submit]").click()
    page.locator(".messages", has_text="异议已处理").wait_for()
    record_step(page, "township_review", "2016-06-12")
    record_step(page, "second_notice", "2016-06-13", until="2016-06-19")
    page.context.clear_cookies()

    page.set_viewport_size({"width": 1366, "height": 800})
    login_page("county").goto(url)
    record_step(page, "county_approval", "2016-06-22")
    household.refresh_from_db()
    assert household.status == Household.Status.REGISTERED
    assert Objection.objects.get().outcome == Objection.Outcome.DISMISSED
    assert household.identification_steps.count() == 6
