"""Every URL of the project, walked with every persona: nobody sees or reaches what is not theirs.

`URLS` is THE table. An app that adds URL patterns adds one entry per pattern name: how to build
its kwargs from the `world` fixture, and what each persona gets. An app that registers a model in
the admin adds it to `ADMIN_MODELS` (what a county officer and a superuser may do with it, and the
object to open); its changelist/add/change/delete/history URLs are derived from that. A pattern
that is in neither table, nor exempt with a reason, fails `test_every_url_pattern_is_in_the_table`.

What a persona gets:
- logged out: sent to the login page (the admin: to the admin's login page);
- another township or county (`OTHER_SCOPE`): 404 for an object's URL, and a list page that shows
  nothing of the first township (its `marker` text is absent);
- the right scope without the permission: 403 (personas listed in `denied`, or the admin's rights).
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from teams.models import Area, Member, Team, Unit, User, VillageWorkTeam
from tests.factories import AreaFactory, UnitFactory, UserFactory, VillageWorkTeamFactory

PERSONAS = [
    "anonymous",
    "cadre",  # a plain member of the 示例东1镇 team
    "leader",  # that team's leader: manages the team
    "county",  # the county office of 示例县 (449901): manages the county
    "city",  # the city office of 示例市 (4499): reads the county
    "outsider",  # a member of the 示例西2镇 team, same county
    "other_county",  # the county office of 另一县 (449902)
    "superuser",
]
OTHER_SCOPE = {"outsider", "other_county"}
NOT_STAFF = {"anonymous", "cadre", "leader", "outsider"}

# What a persona gets, besides a plain status code.
LOGIN = "redirect to login"
ADMIN_LOGIN = "redirect to admin login"
SHOWN = "200, shows the marker"
HIDDEN = "200, marker absent"


@dataclass(frozen=True)
class Page:
    """A page of the application (not the admin)."""

    kwargs: object = None  # world -> kwargs for reverse()
    scope: str | None = None  # "object": 404 out of scope; "list": shows nothing out of scope
    marker: object = None  # world -> text of the first township's data, for "list"
    denied: frozenset = frozenset()  # personas that get 403
    public: bool = False  # no login needed
    method: str = "get"
    status: int | str = 200  # for everybody allowed in
    status_for: dict = field(default_factory=dict)  # ...but these personas

    def expect(self, persona):
        if persona == "anonymous" and not self.public:
            return LOGIN
        if self.scope == "object" and persona in OTHER_SCOPE:
            return 404
        if persona in self.denied:
            return 403
        if self.scope == "list":
            return HIDDEN if persona in OTHER_SCOPE else SHOWN
        return self.status_for.get(persona, self.status)


VIEW = frozenset({"view"})
MANAGE = frozenset({"view", "add", "change", "delete"})
NOTHING = frozenset()


@dataclass(frozen=True)
class AdminModel:
    """A model registered in the admin: who may do what, and an object of 示例东1镇 to open."""

    obj: object  # world -> the object
    county: frozenset  # what the county office of the object's county may do
    superuser: frozenset = MANAGE
    scoped: bool = True  # rows are narrowed with visible_to: 404 out of scope
    marker: object = str  # object -> text its changelist row shows


@dataclass(frozen=True)
class Admin:
    """An admin URL: the action it needs, of the model it belongs to (None: any staff)."""

    action: str
    model: type | None = None
    kwargs: object = None
    args: object = None
    scope: str | None = None

    def expect(self, persona):
        if persona in NOT_STAFF:
            return ADMIN_LOGIN
        spec = ADMIN_MODELS.get(self.model)
        if spec and spec.scoped and self.scope == "object" and persona in OTHER_SCOPE:
            return 404
        if spec:
            rights = {"superuser": spec.superuser, "city": spec.county & VIEW}.get(
                persona, spec.county
            )
            if self.action not in rights:
                return 403
        if self.scope == "list" and spec.scoped:
            return HIDDEN if persona in OTHER_SCOPE else SHOWN
        return 200


def admin_obj(model):
    return lambda w: w.admin_objects[model]


ADMIN_MODELS = {
    Area: AdminModel(obj=lambda w: w.team.township, county=VIEW, marker=lambda a: a.name),
    User: AdminModel(
        obj=lambda w: w.users["cadre"],
        county=VIEW,
        superuser=MANAGE | {"password"},
        marker=lambda u: u.username,
    ),
    Unit: AdminModel(obj=lambda w: w.unit, county=MANAGE),
    Team: AdminModel(obj=lambda w: w.team, county=MANAGE, marker=lambda t: t.township.name),
    Member: AdminModel(obj=lambda w: w.users["cadre"].member, county=MANAGE),
    VillageWorkTeam: AdminModel(
        obj=lambda w: w.village_team, county=MANAGE, marker=lambda v: v.village.name
    ),
    # Accounts and system records: the superuser's alone.
    Group: AdminModel(obj=lambda w: w.group, county=NOTHING, scoped=False),
    AccessAttempt: AdminModel(
        obj=lambda w: w.access_attempt, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    AccessLog: AdminModel(
        obj=lambda w: w.access_log, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    AccessFailureLog: AdminModel(
        obj=lambda w: w.access_failure, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    TOTPDevice: AdminModel(obj=lambda w: w.totp_device, county=NOTHING, scoped=False),
    DBTaskResult: AdminModel(
        obj=lambda w: w.task_result, county=NOTHING, superuser=VIEW, scoped=False
    ),
}


def admin_urls(models):
    """The URLs the admin makes for each registered model."""
    urls = {}
    for model, spec in models.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pk = lambda w, spec=spec: {"object_id": spec.obj(w).pk}  # noqa: E731
        urls[f"{prefix}_changelist"] = Admin("view", model, scope="list")
        urls[f"{prefix}_add"] = Admin("add", model)
        urls[f"{prefix}_change"] = Admin("view", model, kwargs=pk, scope="object")
        urls[f"{prefix}_history"] = Admin("view", model, kwargs=pk, scope="object")
        urls[f"{prefix}_delete"] = Admin("delete", model, kwargs=pk, scope="object")
        if hasattr(model._meta, "simple_history_manager_attribute"):  # one past version
            urls[f"{prefix}_simple_history"] = Admin(
                "view",
                model,
                args=lambda w, spec=spec: [spec.obj(w).pk, spec.obj(w).history.latest().pk],
                scope="object",
            )
    return urls


# as_user gives township personas no device: the code page sends them on to enrolment.
TOWNSHIP_PERSONAS = ("cadre", "leader", "outsider")
team_pk = lambda w: {"pk": w.team.pk}  # noqa: E731
totp_pk = lambda w: {"pk": w.totp_device.pk}  # noqa: E731
TEAM_MANAGERS_ONLY = frozenset({"cadre", "city"})

URLS = {
    "home": Page(scope="list", marker=lambda w: w.team.township.name),
    "healthz": Page(public=True),
    "login": Page(public=True),
    "logout": Page(method="post", public=True, status=LOGIN),
    "password_change": Page(),
    "password_change_done": Page(),
    "two_factor_verify": Page(status=302),
    "two_factor_enrol": Page(status=302, status_for=dict.fromkeys(TOWNSHIP_PERSONAS, 200)),
    "security": Page(),
    "set_language": Page(method="post", public=True, status=302),
    "teams:list": Page(scope="list", marker=lambda w: w.team.township.name),
    "teams:create": Page(denied=frozenset({"cadre", "leader", "city", "outsider"})),
    "teams:detail": Page(kwargs=team_pk, scope="object"),
    "teams:edit": Page(kwargs=team_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    "teams:board": Page(kwargs=team_pk, scope="object"),
    "teams:member_create": Page(kwargs=team_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    "teams:member_edit": Page(
        kwargs=lambda w: {"pk": w.users["cadre"].member.pk},
        scope="object",
        denied=TEAM_MANAGERS_ONLY,
    ),
    "admin:index": Admin("view"),
    "admin:app_list": Admin("view", kwargs=lambda w: {"app_label": "teams"}),
    "admin:auth_user_password_change": Admin(
        "password", User, kwargs=lambda w: {"id": w.users["cadre"].pk}, scope="object"
    ),
    # Device secrets are never shown again after enrolment (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": Admin("secret", TOTPDevice, kwargs=totp_pk),
    "admin:otp_totp_totpdevice_qrcode": Admin("secret", TOTPDevice, kwargs=totp_pk),
    **admin_urls(ADMIN_MODELS),
}

EXEMPT = {
    "admin:login": "Django's own login form; public by design",
    "admin:logout": "Django's own; logs out whoever calls it",
    "admin:password_change": "the user's own password, no data of a scope",
    "admin:password_change_done": "a static confirmation",
    "admin:jsi18n": "the admin's JavaScript translation catalogue",
    "admin:autocomplete": "goes through each ModelAdmin's get_search_results and get_queryset",
    "admin:view_on_site": "redirects to the object's get_absolute_url, walked above",
    # Unnamed patterns, by route.
    "admin/(?P<url>.*)$": "the admin's catch-all: 404, or the login for anonymous users",
    "admin/<model>/<path:object_id>/": "redirects to the change URL, walked above",
    "admin:teams_area_simple_history": "areas keep no versions: a 404, see the test below",
    "admin:teams_user_simple_history": "users keep no versions: a 404, see the test below",
    "static/<path:path>": "static files, served by whitenoise/nginx",
}


def url_patterns(patterns=None, prefix="", namespace=""):
    """(name or route) of every URL pattern, with resolvers followed recursively."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield namespace + pattern.name
        elif route.endswith("<path:object_id>/") and route.startswith("admin/"):
            yield "admin/<model>/<path:object_id>/"
        else:
            yield route


def test_every_url_pattern_is_in_the_table():
    unknown = [name for name in url_patterns() if name not in URLS and name not in EXEMPT]
    assert unknown == [], "Add these URL patterns to URLS (or EXEMPT, with a reason)"


def test_every_admin_model_is_in_the_table():
    unknown = [model for model in admin.site._registry if model not in ADMIN_MODELS]
    assert unknown == [], "Add these models to ADMIN_MODELS"


def test_the_table_has_no_stale_entries():
    names = set(url_patterns())
    assert [name for name in URLS if name not in names] == []


def test_models_without_versions_have_no_version_page(world, as_user):
    client = as_user(world.users["superuser"])
    url = reverse("admin:teams_area_simple_history", args=[world.team.township.pk, 1])
    assert client.get(url).status_code == 404


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True, area=None)


@pytest.fixture
def world(
    east_team,
    west_team,
    township_cadre,
    township_leader,
    county_officer,
    city_officer,
    outsider,
    other_county_officer,
    superuser,
):
    """One object of every kind in 示例东1镇, and the personas that look at them."""
    unit = UnitFactory(name="东镇驻镇单位", area=AreaFactory(code="449901"))
    now = timezone.now()
    access = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "cadre"}
    return SimpleNamespace(
        team=east_team,
        unit=unit,
        village_team=VillageWorkTeamFactory(
            village=AreaFactory(code="449901101201", name="东镇一村"), unit=unit
        ),
        group=Group.objects.create(name="示例组"),
        totp_device=TOTPDevice.objects.create(user=township_cadre, name="手机", confirmed=False),
        access_attempt=AccessAttempt.objects.create(
            **access, get_data="", post_data="", failures_since_start=1
        ),
        access_log=AccessLog.objects.create(**access),
        access_failure=AccessFailureLog.objects.create(**access),
        task_result=DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="teams.tasks.example",
            backend_name="default",
            run_after=now,
        ),
        users={
            "cadre": township_cadre,
            "leader": township_leader,
            "county": county_officer,
            "city": city_officer,
            "outsider": outsider,
            "other_county": other_county_officer,
            "superuser": superuser,
        },
    )


def outcome(response, marker):
    """What a response amounts to, in the vocabulary of `expect`."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse(settings.LOGIN_URL)):
            return LOGIN
    if response.status_code == 200 and marker is not None:
        return SHOWN if marker in response.content.decode() else HIDDEN
    return response.status_code


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_gives_each_persona_what_it_may_see(name, world, client, as_user):
    entry = URLS[name]
    url = reverse(
        name,
        args=entry.args(world) if getattr(entry, "args", None) else None,
        kwargs=entry.kwargs(world) if entry.kwargs else None,
    )
    marker = None
    if isinstance(entry, Page) and entry.marker:
        marker = entry.marker(world)
    elif isinstance(entry, Admin) and entry.scope == "list" and ADMIN_MODELS[entry.model].scoped:
        spec = ADMIN_MODELS[entry.model]
        marker = spec.marker(spec.obj(world))
    got, expected = {}, {}
    for persona in PERSONAS:
        http = client if persona == "anonymous" else as_user(world.users[persona])
        response = getattr(http, getattr(entry, "method", "get"))(url)
        got[persona] = outcome(response, marker)
        expected[persona] = entry.expect(persona)
        client.logout()
    assert got == expected, url
