from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from assessments import views as assessment_views
from teams import two_factor
from teams import views as team_views
from teams.forms import LoginForm

urlpatterns = [
    path("", assessment_views.home, name="home"),
    path("healthz", team_views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
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
    path("i18n/setlang/", set_language, name="set_language"),
    path("teams/", include("teams.urls")),
    path("households/import/", include("households.import_urls")),
    path("households/", include("households.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("assessments/", include("assessments.urls")),
    path("admin/", admin.site.urls),
]
