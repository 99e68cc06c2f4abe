"""The household page in headless Chromium: a township cadre changes the head of household."""

import pytest

from households.models import MemberChange

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_cadre_changes_the_head_of_household_on_its_page(login_page, township_cadre, household):
    township_cadre.set_password("pw-for-tests-2016")
    township_cadre.save()
    wife = household.persons.get(name="配偶乙")
    page = login_page("cadre")
    page.goto(household.get_absolute_url())
    form = page.locator(f"form[action$='/{household.pk}/head-change/']")
    # A cadre's two change forms (members, head), each behind its own button: none shows
    # until asked for.
    assert page.locator("details.change-form").count() == 2
    assert page.locator("details.change-form form:visible").count() == 0
    page.locator("details", has=form).locator("summary").click()
    assert page.locator("details.change-form form:visible").count() == 1

    form.locator("[name=new_head]").select_option(label="配偶乙")
    form.locator("[name=old_head_relation]").select_option(label="配偶")
    form.locator("[name=date]").fill("2017-03-01")
    form.locator("button[type=submit]").click()

    page.locator(".messages", has_text="户主已变更").wait_for()
    assert household.persons.get(is_head=True) == wife
    change = MemberChange.objects.get(household=household)
    assert (change.person, str(change.date)) == (wife, "2017-03-01")
    # The page now offers the former head, not the new one, as the next head.
    options = page.locator(f"form[action$='/{household.pk}/head-change/'] [name=new_head] option")
    assert "配偶乙" not in options.all_text_contents()
    assert "户主甲" in options.all_text_contents()
