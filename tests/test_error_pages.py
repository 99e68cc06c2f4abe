"""The error pages people meet (issue 21): in Chinese, in the site's frame, with the way back
home, with DEBUG off as in production (pytest-django runs with DEBUG off). Out-of-scope rows
are 404 by design, so township users meet that one often."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db
HOME = f'<a class="button" href="{reverse("home")}">返回首页</a>'


def assert_error_page(response, status, heading):
    page = response.content.decode()
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in page
    assert HOME in page
    assert "乡镇帮扶工作组" in page  # the site's header
    assert "Not Found" not in page
    assert "Forbidden" not in page


def test_a_row_outside_the_scope_is_a_chinese_404(outsider, east_team, as_user):
    response = as_user(outsider).get(reverse("teams:detail", args=[east_team.pk]))
    assert_error_page(response, 404, "页面不存在")
    assert "属于您辖区以外的地区" in response.content.decode()


def test_an_unknown_address_is_a_chinese_404(client):
    assert_error_page(client.get("/no-such-page/"), 404, "页面不存在")


def test_a_refused_action_is_a_chinese_403(township_cadre, as_user):
    response = as_user(township_cadre).get(reverse("assessments:inspection_create"))
    assert_error_page(response, 403, "无权进行此操作")


def test_a_failed_csrf_check_says_the_form_expired(db):
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "x", "password": "y"}
    )
    assert_error_page(response, 403, "表单已过期")


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [(defaults.server_error, 500, "系统出错了"), (defaults.bad_request, 400, "请求无法识别")],
)
def test_server_error_and_bad_request_pages(view, status, heading):
    request = RequestFactory().get("/")
    response = view(request) if view is defaults.server_error else view(request, Exception())
    assert_error_page(response, status, heading)
