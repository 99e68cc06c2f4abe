import pytest

from teams.models import User
from tests.assessments.conftest import YEAR, household
from tests.factories import AreaFactory, MemberFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_county_officer_follows_a_dashboard_figure_to_its_households(login_page):
    county = AreaFactory(code="449901", name="示例县")
    team = TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))
    village = AreaFactory(code="449901101201", name="石塘1村")
    cadre = MemberFactory(team=team, name="东镇干部")
    household(village, cadre=cadre)
    unlinked = [household(village), household(village)]
    user = UserFactory(username="xianban", role=User.Role.COUNTY, area=county, is_staff=True)
    user.set_password("pw-for-tests-2016")
    user.save()

    page = login_page("xianban")
    page.goto(f"/?year={YEAR}")
    row = page.locator("#townships tbody tr", has_text="示例东1镇")
    assert "尚无项目" in page.locator("#funds").text_content()
    assert page.locator("svg[role=img]").first.is_visible()
    # The fourth figure column: households still in poverty with no contact cadre.
    row.locator("td").nth(3).locator("a").click()
    page.wait_for_url("**/assessments/dashboard/no_cadre/**")
    numbers = page.locator(
        "#figure-households tbody tr td:first-child a:first-child"
    ).all_text_contents()
    assert sorted(numbers) == sorted(h.number for h in unlinked)
    assert "无帮扶联系干部" in page.locator("h1").text_content()


@pytest.mark.django_db(transaction=True)
def test_a_city_officer_walks_down_to_a_village_and_opens_the_trends(login_page, page):
    """City → county → township → village → households, then the trends on a phone."""
    AreaFactory(code="449901", name="示例县")
    team = TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))
    village = AreaFactory(code="449901101201", name="石塘1村")
    made = household(village, cadre=MemberFactory(team=team))
    user = UserFactory(
        username="shiban", role=User.Role.CITY, area=AreaFactory(code="4499"), is_staff=True
    )
    user.set_password("pw-for-tests-2016")
    user.save()

    login_page("shiban")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/?year={YEAR}")
    assert page.locator("#townships thead th").first.text_content() == "县（市、区）"
    for name in ["示例县", "示例东1镇", "石塘1村"]:
        page.locator("#townships tbody th a", has_text=name).click()
    page.wait_for_url("**/assessments/dashboard/in_poverty/**")
    assert page.locator("#figure-households tbody td a").first.text_content() == made.number

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/?year={YEAR}&area=449901")
    page.get_by_role("link", name="趋势").click()
    assert page.locator("h1").text_content().strip() == f"示例县 {YEAR} 年趋势"
    assert page.locator("svg.chart").count() == 4
    # Nothing wider than the phone: the charts and the month table fit inside their card,
    # nothing hides behind a sideways scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card = page.locator("#months").bounding_box()
    for part in [page.locator("#months svg.chart").first, page.locator("#months table")]:
        box = part.bounding_box()
        assert box["x"] >= card["x"]
        assert box["x"] + box["width"] <= card["x"] + card["width"]
