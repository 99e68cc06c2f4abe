import base64

import pytest
from django_otp.oath import totp

from teams.models import User
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_county_officer_enrols_with_an_authenticator_code_and_reaches_the_teams(page):
    user = UserFactory(username="officer", role=User.Role.COUNTY, area=AreaFactory(code="449901"))
    user.set_password("pw-for-tests-2016")
    user.save()
    page.goto("/teams/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "pw-for-tests-2016")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/enrol/**")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.text_content("code.secret").strip()
    page.fill("input[name=code]", f"{totp(base64.b32decode(secret)):06d}")
    page.click("main button[type=submit]")
    page.wait_for_url("**/teams/")
    assert "已开启两步验证" in page.text_content(".messages")
