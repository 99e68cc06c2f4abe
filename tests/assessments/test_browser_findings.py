"""A township leader works through the cross-check worklist in a browser (issue 22): opens it
from the menu, reviews a vehicle match (dismissed, with the reason) and a data-quality finding
(confirmed), and the worklist empties; on a phone the worklist is cards."""

import pytest
from django.utils import timezone

from households.models import Finding, Household
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_leader_works_through_the_worklist(login_page, township_leader, east_team):
    township_leader.set_password("pw-for-tests-2016")
    township_leader.save()
    village = AreaFactory(code="449901101201", name="石塘1村")
    first = HouseholdFactory(village=village)
    PersonFactory(household=first, name="陈东")
    second = HouseholdFactory(village=village, housing=Household.Housing.DANGEROUS)
    PersonFactory(household=second, name="李南")
    for household, kind, detail in [
        (first, "vehicle", "号牌号码：粤J·12345"),
        (second, "housing_conflict", "危房"),
    ]:
        Finding.objects.create(
            area=east_team.township,
            kind=kind,
            household=household,
            person=household.persons.first(),
            detail=detail,
            found_on=timezone.localdate(),
        )
    page = login_page("leader")
    page.click("nav >> text=比对核查")
    rows = page.locator("#findings tbody tr")
    assert rows.count() == 2
    assert "车辆登记" in page.locator("#findings").text_content()

    page.locator("tr", has_text="粤J·12345").get_by_role("link", name="核实").click()
    page.get_by_label("不属实：比对发现不成立").check()
    page.fill("textarea[name=reason]", "入户核实：车辆已于2025年转让")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    assert page.locator("#findings tbody tr").count() == 1

    page.locator("tr", has_text="危房").get_by_role("link", name="核实").click()
    page.get_by_label("属实：比对发现成立").check()
    page.fill("textarea[name=reason]", "住房仍为危房，三保障记录有误，已改正")
    page.click("main button[type=submit]")
    page.locator(".message.success").wait_for()
    # Confirmed stays on the list of what to act on, marked as such.
    assert page.locator("#findings tbody tr .badge").text_content() == "已核实属实"
    states = dict(Finding.objects.values_list("kind", "state"))
    assert states == {"vehicle": "dismissed", "housing_conflict": "confirmed"}

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
