import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "pw-for-tests-2016"


@pytest.fixture
def two_users(db):
    users = [UserFactory(username="alice"), UserFactory(username="bob")]
    for user in users:
        user.set_password(PASSWORD)
        user.save()
    return users


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def wait_of(response):
    """The seconds the login page asks to wait."""
    return int(re.search(r"请 (\d+) 秒后再试", response.content.decode()).group(1))


def test_login_page_is_in_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body


def test_correct_password_logs_in(client, two_users):
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_repeated_failures_lock_that_username_at_that_address_only(client, two_users, settings):
    settings.LOGIN_DELAY_FROM_FAILURE = 100  # the waits before the lockout: the test below
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", "wrong").status_code == 429
    locked = attempt(client, "alice", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # A colleague behind the same office address is not locked out…
    assert attempt(client, "bob", PASSWORD).status_code == 302
    client.logout()
    # …nor is the same person from another address.
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302


def test_interface_is_chinese_even_for_an_english_browser(client, db):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert 'lang="zh-hans"' in body


def test_english_is_available_when_chosen(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in body


def test_failures_make_that_username_at_that_address_wait_longer_and_longer(
    client, two_users, settings
):
    """A stranger's wrong passwords make the stranger wait, 15 s, 30 s, 60 s…, before the hard
    lockout: the owner of the account, elsewhere, is not kept out."""
    settings.LOGIN_DELAY_FROM_FAILURE, settings.LOGIN_DELAY_SECONDS = 3, 15
    for _ in range(3):
        assert attempt(client, "alice", "wrong").status_code == 200
    waiting = attempt(client, "alice", PASSWORD)
    assert waiting.status_code == 200
    assert 14 <= wait_of(waiting) <= 15
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == 3  # the wait is not a failure
    # The owner elsewhere logs in at once.
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    # After 15 seconds the stranger may try again; the next failure doubles the wait.
    earlier = datetime.timedelta(seconds=16)
    AccessAttempt.objects.update(attempt_time=timezone.now() - earlier)
    assert attempt(client, "alice", "wrong").status_code == 200
    AccessAttempt.objects.update(attempt_time=timezone.now() - earlier)
    assert 13 <= wait_of(attempt(client, "alice", PASSWORD)) <= 14  # 30 s, 16 s ago


@pytest.mark.parametrize("page", ["login", "admin:login"])
def test_every_login_page_makes_a_stranger_wait(client, two_users, settings, page):
    """The admin's own login page is public too: it has the same growing wait."""
    settings.LOGIN_DELAY_FROM_FAILURE, settings.LOGIN_DELAY_SECONDS = 3, 15
    two_users[0].is_staff = True
    two_users[0].save()
    form = {"username": "alice", "password": "wrong"}
    for _ in range(3):
        assert client.post(reverse(page), form, REMOTE_ADDR="10.0.0.1").status_code == 200
    waiting = client.post(reverse(page), {**form, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert waiting.status_code == 200
    assert 14 <= wait_of(waiting) <= 15
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role", "remember", "lasts_days"),
    [("township", True, 30), ("township", False, None), ("county", True, None)],
)
def test_stay_logged_in_on_this_device_is_for_township_accounts(
    client, db, role, remember, lasts_days
):
    """A township account that ticks 在此设备上保持登录 keeps its session for
    REMEMBER_LOGIN_DAYS, closed browser or not; without it, or for an office account (which
    gives a code), the session ends with the browser."""
    user = UserFactory(username="phone", role=role)
    user.set_password(PASSWORD)
    user.save()
    data = {"username": "phone", "password": PASSWORD} | ({"remember": "on"} if remember else {})
    response = client.post(reverse("login"), data)
    assert response.status_code == 302
    session = client.session
    if lasts_days:
        assert not session.get_expire_at_browser_close()
        assert session.get_expiry_age() == lasts_days * 24 * 3600
        assert response.cookies["sessionid"]["max-age"] == lasts_days * 24 * 3600
    else:
        assert session.get_expire_at_browser_close()
        assert not response.cookies["sessionid"]["max-age"]


def test_the_login_page_offers_to_stay_logged_in(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "在此设备上保持登录" in body
    assert "30 天" in body
