"""Security headers on ordinary pages, the admin and error pages; production cookies and HSTS."""

import json

import pytest
from django.urls import reverse

from tests.test_settings import manage, production_env

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy_of(response):
    directives = (d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def assert_secure_headers(response):
    assert policy_of(response) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/healthz", "/no-such-page/"])
def test_anonymous_pages_and_errors_carry_the_security_headers(client, db, url):
    assert_secure_headers(client.get(url))


def test_logged_in_pages_and_the_admin_carry_the_security_headers(as_user, county_officer):
    client = as_user(county_officer)
    for url in [reverse("home"), reverse("teams:list"), reverse("admin:teams_team_changelist")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response)


def test_a_forbidden_page_carries_the_security_headers(as_user, township_cadre):
    response = as_user(township_cadre).get(reverse("teams:create"))
    assert response.status_code == 403
    assert_secure_headers(response)


# Run in a process of its own: the production settings are read from the environment once.
PROBE = """
import json
from django.conf import settings
from django.test import Client
response = Client(HTTP_HOST="bangfu.example.gov.cn").get("/healthz", secure=True)
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security"),
    "csp": "Content-Security-Policy" in response,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def test_production_settings_send_hsts_and_secure_cookies():
    result = manage("shell", "--no-imports", "-c", PROBE, env=production_env())
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {
        "hsts": "max-age=31536000; includeSubDomains; preload",
        "csp": True,
        "csrf_cookie_secure": True,
        "session_cookie_secure": True,
        "session_cookie_httponly": True,
    }


def test_production_redirects_plain_http_to_https():
    probe = (
        "from django.test import Client;"
        "r = Client(HTTP_HOST='bangfu.example.gov.cn').get('/accounts/login/');"
        "print(r.status_code, r['Location'])"
    )
    result = manage("shell", "--no-imports", "-c", probe, env=production_env())
    assert result.stdout.split() == ["301", "https://bangfu.example.gov.cn/accounts/login/"]


@pytest.mark.django_db
def test_nothing_a_logged_in_user_sees_is_kept_by_the_browser(as_user, county_officer):
    """Pages, reveals and downloads carry personal data and office computers are shared: every
    response to a logged-in user says no-store."""
    from tests.factories import PersonFactory

    person = PersonFactory(household__phone="13812341234")
    household = person.household
    client = as_user(county_officer)
    responses = {
        "household": client.get(reverse("households:detail", args=[household.pk])),
        "reveal": client.post(
            reverse("households:reveal", args=["phone", household.pk]), {"reason": "核实电话"}
        ),
        "register": client.get(
            reverse("households:village_register_xlsx", args=[household.village_id])
        ),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
