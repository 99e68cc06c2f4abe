from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import URLResolver, include, path
from django.views.i18n import set_language

from assessments import views as assessment_views
from ledgers import views as ledger_views
from teams import two_factor
from teams import views as team_views


def guarded_by_the_admin(urls):
    """The admin's URLs, left to the admin: every admin view checks its own permission
    (AdminSite.has_permission) and sends anyone else to the admin's login, which has the same
    limits as the site's (teams.forms.AdminLoginForm)."""
    for pattern in urls[0]:
        if isinstance(pattern, URLResolver):
            guarded_by_the_admin((pattern.url_patterns,))
        elif getattr(pattern.callback, "login_required", True):  # the login page is marked
            pattern.callback.login_required = False
    return urls


# Every view needs a login (LoginRequiredMiddleware) except the login page, the language
# switch and the health check, each marked @login_not_required, and the admin's own URLs.
urlpatterns = [
    path("", assessment_views.home, name="home"),
    path("healthz", team_views.healthz, name="healthz"),
    path("sw.js", ledger_views.service_worker, name="service_worker"),
    path("accounts/login/", two_factor.LoginView.as_view(), name="login"),
    path("accounts/relogged/", two_factor.relogged, name="relogged"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("accounts/two-factor/enrol/", two_factor.enrol, name="two_factor_enrol"),
    path("accounts/security/", two_factor.security, name="security"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("teams/", include("teams.urls")),
    path("households/import/", include("households.import_urls")),
    path("households/", include("households.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("assessments/", include("assessments.urls")),
    path("admin/", guarded_by_the_admin(admin.site.urls)),
]
