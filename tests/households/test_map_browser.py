import re

import pytest

from households.models import Household
from teams.models import User
from tests.factories import AreaFactory, HouseholdFactory, MemberFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_township_leader_follows_the_team_page_to_the_map(login_page):
    team = TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))
    village = AreaFactory(code="449901101201", name="石塘1村")
    for status in [Household.Status.REGISTERED] * 3 + [Household.Status.EXITED]:
        HouseholdFactory(village=village, status=status)
    user = UserFactory(username="dongzhen", role=User.Role.TOWNSHIP, area=team.township)
    user.set_password("pw-for-tests-2016")
    user.save()
    MemberFactory(team=team, user=user, role="leader", source="leader", post="书记")
    page = login_page("dongzhen")
    page.goto(team.get_absolute_url())
    page.click("text=攻坚图")
    page.wait_for_url("**/households/townships/449901101/map/")
    chart = page.locator("svg[role=img]").first
    assert chart.is_visible()
    assert "示例东1镇攻坚图" in chart.locator("title").first.text_content()
    assert "石塘1村" in chart.text_content()
    assert "合计：4 户" in chart.text_content()
    assert chart.bounding_box()["width"] > 300
    # Printed: one A4 landscape page (842 × 595 points).
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    assert re.search(rb"/MediaBox \[0 0 841\.9\d* 594\.9\d*\]", pdf)
