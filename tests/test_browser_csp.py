"""The admin under the Content-Security-Policy, in a real browser: it renders, its JS runs."""

import pytest

from teams.models import User
from tests.factories import AreaFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.browser


def collect_console(page):
    """CSP violations (the console reports them), script errors and files that failed to load.

    Chromium asks for /favicon.ico by itself; that 404 is the browser's, not the page's.
    """
    problems = []

    def on_console(message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", on_response)
    return problems


@pytest.mark.django_db(transaction=True)
def test_admin_team_changelist_renders_and_runs_its_js_under_the_csp(page, login_page):
    team = TeamFactory(township=AreaFactory(code="449901101", name="示例东1镇"))
    user = UserFactory(
        username="county", role=User.Role.COUNTY, is_staff=True, area=AreaFactory(code="449901")
    )
    user.set_password("pw-for-tests-2016")
    user.save()
    problems = collect_console(page)
    login_page("county")
    response = page.goto("/admin/teams/team/")
    assert "Content-Security-Policy" in {k.title() for k in response.headers}
    assert "示例东1镇" in page.text_content("#result_list")
    # The admin's actions.js ran: it wires the "select all" box to every row's checkbox.
    page.check("#action-toggle")
    assert page.is_checked("input.action-select")
    # The change form's DateTimeShortcuts.js ran: it adds the "today" link to the date field.
    page.goto(f"/admin/teams/team/{team.pk}/change/")
    assert page.locator(".datetimeshortcuts a").count() >= 1
    assert problems == []
