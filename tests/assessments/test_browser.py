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
    assert "/assessments/dashboard/no_cadre/" in page.url
    numbers = page.locator("#figure-households tbody tr td:first-child").all_text_contents()
    assert sorted(numbers) == sorted(h.number for h in unlinked)
    assert "无帮扶联系干部" in page.locator("h1").text_content()
