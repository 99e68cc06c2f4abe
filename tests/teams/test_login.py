import pytest
from django.urls import reverse

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


def test_login_page_is_in_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "登录" in body


def test_correct_password_logs_in(client, two_users):
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_repeated_failures_lock_that_username_at_that_address_only(client, two_users, settings):
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
