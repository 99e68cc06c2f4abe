import pytest

from teams.models import User
from tests.factories import AreaFactory, MemberFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_township_cadre_logs_in_and_sees_home(login_page):
    team = TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))
    user = UserFactory(
        username="dongzhen", first_name="东镇干部", role=User.Role.TOWNSHIP, area=team.township
    )
    user.set_password("pw-for-tests-2016")
    user.save()
    MemberFactory(team=team, user=user)
    page = login_page("dongzhen")
    assert page.url.endswith("/")
    assert "东镇干部" in page.text_content("h1")
    assert "示例东1镇" in page.text_content("main")
    page.click(f"a[href='{team.get_absolute_url()}']")
    page.wait_for_url(f"**{team.get_absolute_url()}")
    assert "示例东1镇" in page.text_content("h1")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_an_error_and_stays_on_login(login_page):
    UserFactory(username="someone")
    page = login_page("someone", "wrong-password")
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() == 1
