"""An exit end to end in headless Chromium: the county proposes a household's exit with the
review's true date, the leader records the review, the cadre the agreement and the notice on
a phone, an objection is recorded and dismissed, the county announces; the exit counts in the
review's year."""

import pytest

from assessments.models import ExitObjection, exited_in
from households.models import Household
from tests.assessments.conftest import YEAR

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-2016"


def record_step(page, step, date, *, until=None):
    form = page.locator("form.form", has=page.locator("[name=step]"))
    form.locator("[name=step]").select_option(step)
    form.locator("[name=date]").fill(date)
    form.locator("[name=responsible]").fill("经办人")
    form.locator("[name=outcome]").select_option("passed")
    if until:
        form.locator("[name=notice_until]").fill(until)
        form.locator("[name=issued_by]").fill("石塘1村村民委员会")
        form.locator("[name=complaint_phone]").fill("0755-12317")
    form.locator("button[type=submit]").click()
    page.locator(".messages").wait_for()


@pytest.mark.django_db(transaction=True)
def test_an_exit_goes_through_its_notice_and_an_objection_to_the_announcement(
    login_page, page, east_households, township_cadre, township_leader, county_officer
):
    for user in (township_cadre, township_leader, county_officer):
        user.set_password(PASSWORD)
        user.save()
    household = east_households["complete"]

    login_page("county").goto(f"/assessments/exits/?year={YEAR}")
    row = page.locator("tr", has_text=household.number)
    row.locator("[name=date]").fill(f"{YEAR}-11-20")
    row.locator("button[type=submit]").click()
    page.locator(".messages", has_text="已").wait_for()
    review_url = page.url
    review = household.exit_reviews.get()
    assert str(review.proposed_on) == f"{YEAR}-11-20"
    page.context.clear_cookies()

    login_page("leader").goto(review_url)
    record_step(page, "review", f"{YEAR}-11-21")
    page.context.clear_cookies()

    page.set_viewport_size({"width": 360, "height": 800})
    login_page("cadre").goto(review_url)
    record_step(page, "agreement", f"{YEAR}-11-22")
    record_step(page, "notice", f"{YEAR}-11-23", until=f"{YEAR}-11-29")
    objection = page.locator("form[action*='/exit-steps/']")
    objection.locator("[name=received_on]").fill(f"{YEAR}-11-25")
    objection.locator("[name=content]").fill("反映收入未达标")
    objection.locator("button[type=submit]").click()
    page.locator(".messages", has_text="异议已记录").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.clear_cookies()

    page.set_viewport_size({"width": 1366, "height": 800})
    login_page("county").goto(review_url)
    resolve = page.locator("form[action*='/resolve/']")
    resolve.locator("[name=upheld]").select_option("dismissed")
    resolve.locator("[name=resolution]").fill("核实收入已达标")
    resolve.locator("[name=resolved_on]").fill(f"{YEAR}-11-28")
    resolve.locator("button[type=submit]").click()
    page.locator(".messages", has_text="异议已处理").wait_for()
    record_step(page, "announcement", f"{YEAR + 1}-01-10")
    household.refresh_from_db()
    assert household.status == Household.Status.EXITED
    assert ExitObjection.objects.get().outcome == ExitObjection.Outcome.DISMISSED
    assert household in Household.objects.filter(exited_in(YEAR))
