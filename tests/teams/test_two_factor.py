import base64

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.demo import DEMO_TOTP_SECRET
from teams.models import User
from tests.conftest import totp_code, totp_device
from tests.factories import AreaFactory, UserFactory

PASSWORD = "pw-for-tests-2016"
VERIFY = reverse("two_factor_verify")
ENROL = reverse("two_factor_enrol")


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", role=User.Role.COUNTY, area=AreaFactory(code="449901"))


def password_login(client, user):
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("role", "superuser"),
    [(User.Role.COUNTY, False), (User.Role.CITY, False), (User.Role.PROVINCE, False),
     (User.Role.TOWNSHIP, True)],
)  # fmt: skip
def test_offices_and_superusers_cannot_open_a_page_before_the_code(client, db, role, superuser):
    user = UserFactory(role=role, is_superuser=superuser, area=AreaFactory(code="449901"))
    totp_device(user)
    password_login(client, user)
    response = client.get(reverse("teams:list"))
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=/teams/"


def test_office_without_a_device_is_sent_to_enrolment(client, officer):
    password_login(client, officer)
    response = client.get(VERIFY + "?next=/teams/", follow=True)
    assert response.redirect_chain[-1][0] == f"{ENROL}?next=%2Fteams%2F"
    assert response.status_code == 200


def test_township_staff_need_no_second_factor(client, township_cadre):
    password_login(client, township_cadre)
    assert client.get(reverse("teams:list")).status_code == 200


def test_the_admin_asks_township_staff_for_the_second_factor_too(client, township_cadre):
    township_cadre.is_staff = True
    password_login(client, township_cadre)
    response = client.get(reverse("admin:index"))
    assert response.url.startswith(VERIFY)


def test_right_code_opens_the_pages_and_goes_on_to_next(client, officer):
    device = totp_device(officer)
    password_login(client, officer)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/teams/"})
    assert response.url == "/teams/"
    assert client.get(reverse("teams:list")).status_code == 200


def test_wrong_code_gives_a_chinese_message_and_opens_nothing(client, officer):
    device = totp_device(officer)
    password_login(client, officer)
    wrong = f"{(int(totp_code(device)) + 1) % 10**6:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "验证码错误或已过期" in response.content.decode()
    assert client.get(reverse("teams:list")).status_code == 302


def test_codes_are_throttled_after_a_wrong_one_and_the_page_says_how_long(client, officer):
    """One wrong code said 错误次数过多: it is one, and the wait is a second."""
    device = totp_device(officer)
    password_login(client, officer)
    client.post(VERIFY, {"code": "000000" if totp_code(device) != "000000" else "111111"})
    page = client.post(VERIFY, {"code": totp_code(device)}).content.decode()
    assert "错误次数过多" not in page
    assert "请等 1 秒后" in page
    assert client.get(reverse("teams:list")).status_code == 302


def test_code_page_ignores_a_next_url_of_another_site(client, officer):
    device = totp_device(officer)
    password_login(client, officer)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_enrolment_shows_the_qr_code_and_secret_and_confirms_with_a_code(client, officer):
    password_login(client, officer)
    body = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=officer)
    secret = base64.b32encode(device.bin_key).decode()
    assert "<svg" in body
    assert secret in body
    assert not device.confirmed
    response = client.post(ENROL, {"code": f"{totp(device.bin_key):06d}", "next": "/teams/"})
    assert response.url == "/teams/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("teams:list")).status_code == 200


def test_enrolment_with_a_wrong_code_confirms_nothing(client, officer):
    password_login(client, officer)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "12345x"})
    assert "验证码错误或已过期" in response.content.decode()
    assert not TOTPDevice.objects.get(user=officer).confirmed
    assert client.get(reverse("teams:list")).status_code == 302


def test_township_staff_may_enrol_and_are_then_asked_at_every_login(client, township_cadre):
    password_login(client, township_cadre)
    assert "两步验证" in client.get(reverse("security")).content.decode()
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=township_cadre)
    client.post(ENROL, {"code": totp_code(device)})
    client.logout()
    password_login(client, township_cadre)
    assert client.get(reverse("teams:list")).url.startswith(VERIFY)


def test_demo_office_accounts_have_the_printed_demo_secret(db, capsys):
    call_command("seed_demo", "--households", "5")
    assert DEMO_TOTP_SECRET in capsys.readouterr().out
    for username in ["admin", "province", "city", "county"]:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
    assert not TOTPDevice.objects.filter(user__username="east_cadre").exists()
