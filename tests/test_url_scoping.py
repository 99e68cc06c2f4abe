"""Every URL of the project, walked with every persona: nobody sees or reaches what is not theirs.

`URLS` is THE table. An app that adds URL patterns adds one entry per pattern name: how to build
its kwargs from the `world` fixture, and what each persona gets (a pattern walked with several
kwargs has one key per variant, after a space: "ledgers:item_edit plan"). An app that registers
a model in the admin adds it to `ADMIN_MODELS` (what a county officer and a superuser may do with
it, and the object to open); its changelist/add/change/delete/history URLs are derived from that.
A pattern that is in neither table, nor exempt with a reason, fails
`test_every_url_pattern_is_in_the_table`.

What a persona gets:
- logged out: sent to the login page (the admin: to the admin's login page);
- another township or county (`OTHER_SCOPE`): 404 for an object's URL, and a list page that shows
  nothing of the first township (its `marker` text is absent);
- the right scope without the permission: 403 (personas listed in `denied`, or the admin's rights),
  or 404 where the page is not theirs at all (personas listed in `absent`).
"""

import datetime
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import hypothesis
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from hypothesis import strategies as st

from assessments.dashboard import default_year
from assessments.models import (
    CadreAssessment,
    ExitObjection,
    ExitReview,
    ExitStep,
    ExitTarget,
    Inspection,
    Outcome,
    Rectification,
    TeamAssessment,
)
from households import services
from households.models import (
    Access,
    Disclosure,
    Finding,
    Household,
    IdentificationStep,
    ListKind,
    Objection,
    OutsideList,
    Person,
    ReferenceItem,
    StatusChange,
)
from households.models.imports import ImportJob
from ledgers.funds import record_payment
from ledgers.models import (
    Guarantee,
    Income,
    Measure,
    MeasureCategory,
    OverBudgetAttempt,
    Payment,
    Plan,
    PovertyStandard,
    Project,
    Visit,
)
from ledgers.views import KINDS
from teams.models import (
    Area,
    Member,
    Presence,
    SixHavesCheck,
    SixHavesItem,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
)
from teams.permissions import may
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    IncomeFactory,
    InspectionFactory,
    MeasureFactory,
    MemberFactory,
    PersonFactory,
    PresenceFactory,
    RectificationFactory,
    SixHavesCheckFactory,
    UnitFactory,
    UserFactory,
    VillageWorkTeamFactory,
    VisitFactory,
    VisitPhotoFactory,
    WorkGroupFactory,
    WorkRecordFactory,
)
from tests.households.rosters import family, roster_bytes
from tests.workbooks import workbook_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BANK_ACCOUNT = "6217009988776655443"
HEALTH = "长期慢性病"

PERSONAS = [
    "anonymous",
    "cadre",  # a plain member of the 示例东1镇 team, the household's contact cadre
    "other_cadre",  # another plain member of that team: not the household's contact cadre
    "leader",  # that team's leader: manages the team
    "county",  # the county office of 示例县 (449901): manages the county
    "city",  # the city office of 示例市 (4499): reads the county
    "outsider",  # a member of the 示例西2镇 team, same county
    "former",  # a cadre who left the 示例东1镇 team today: reaches no more than the outsider
    "other_county",  # the county office of 另一县 (449902)
    "superuser",
]
OTHER_SCOPE = {"outsider", "former", "other_county"}
NOT_STAFF = {"anonymous", "cadre", "other_cadre", "leader", "outsider", "former"}
#: Where another cadre of the team differs from the household's contact cadre.
CONTACT_ONLY = frozenset({"other_cadre"})

# What a persona gets, besides a plain status code.
LOGIN = "redirect to login"
ADMIN_LOGIN = "redirect to admin login"
SHOWN = "200, shows the marker"
HIDDEN = "200, marker absent"


@dataclass(frozen=True)
class Page:
    """A page of the application (not the admin)."""

    kwargs: object = None  # world -> kwargs for reverse()
    query: str = ""  # a query string for the URL
    scope: str | None = None  # "object": 404 out of scope; "list": shows nothing out of scope
    marker: object = None  # world -> text of the first township's data, for "list"
    absent: frozenset = frozenset()  # personas told that the page does not exist (404)
    denied: frozenset = frozenset()  # personas that get 403
    public: bool = False  # no login needed
    method: str = "get"
    status: int | str = 200  # for everybody allowed in
    status_for: dict = field(default_factory=dict)  # ...but these personas

    def expect(self, persona):
        if persona == "other_cadre" and persona not in self.denied | self.absent:
            persona = "cadre"
        if persona == "former" and persona not in self.denied:
            persona = "outsider"
        if persona == "anonymous" and not self.public:
            return LOGIN
        if persona in self.absent or (self.scope == "object" and persona in OTHER_SCOPE):
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
    method: str = "get"

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


LEDGER_MODELS = {
    "plan": Plan,
    "measure": Measure,
    "visit": Visit,
    "income": Income,
    "guarantee": Guarantee,
}
household_number = lambda obj: obj.household.number  # noqa: E731


def admin_obj(model):
    return lambda w: w.admin_objects[model]


ADMIN_MODELS = {
    Area: AdminModel(obj=lambda w: w.team.township, county=VIEW, marker=lambda a: a.name),
    User: AdminModel(
        obj=lambda w: w.users["cadre"],
        county=VIEW,
        superuser=MANAGE | {"password"},
        # The link of the row: the bare username is also part of admin URLs (cadreassessment).
        marker=lambda u: f">{u.username}</a>",
    ),
    Unit: AdminModel(obj=lambda w: w.unit, county=MANAGE),
    Team: AdminModel(obj=lambda w: w.team, county=MANAGE, marker=lambda t: t.township.name),
    Member: AdminModel(obj=lambda w: w.users["cadre"].member, county=MANAGE),
    VillageWorkTeam: AdminModel(
        obj=lambda w: w.village_team, county=MANAGE, marker=lambda v: v.village.name
    ),
    WorkRecord: AdminModel(obj=lambda w: w.record, county=MANAGE, marker=lambda r: r.title),
    SixHavesItem: AdminModel(obj=lambda w: w.six_haves_item, county=VIEW, scoped=False),
    SixHavesCheck: AdminModel(
        obj=lambda w: w.six_haves_check, county=MANAGE, marker=lambda c: c.team.township.name
    ),
    WorkGroup: AdminModel(obj=lambda w: w.group, county=MANAGE, marker=lambda g: g.name),
    Presence: AdminModel(obj=lambda w: w.presence, county=MANAGE, marker=lambda p: p.member.name),
    # The registry: the county keeps it; its logs are written by the workflows alone.
    ReferenceItem: AdminModel(obj=lambda w: w.reference_item, county=VIEW, scoped=False),
    ListKind: AdminModel(obj=lambda w: w.outside_list.kind, county=VIEW, scoped=False),
    Household: AdminModel(obj=lambda w: w.household, county=MANAGE, marker=lambda h: h.number),
    Person: AdminModel(obj=lambda w: w.person, county=MANAGE, marker=lambda p: p.name),
    StatusChange: AdminModel(
        obj=lambda w: w.status_change,
        county=VIEW,
        superuser=VIEW,
        marker=lambda s: s.household.number,
    ),
    IdentificationStep: AdminModel(
        obj=lambda w: w.step, county=VIEW, superuser=VIEW, marker=lambda s: s.household.number
    ),
    Disclosure: AdminModel(
        obj=lambda w: w.disclosure, county=VIEW, superuser=VIEW, marker=lambda d: d.reason
    ),
    Access: AdminModel(
        obj=lambda w: w.access, county=VIEW, superuser=VIEW, marker=lambda a: a.household_number
    ),
    # The ledgers: reference lists the superuser keeps, and each household's records.
    PovertyStandard: AdminModel(obj=lambda w: w.poverty_standard, county=VIEW, scoped=False),
    MeasureCategory: AdminModel(obj=lambda w: w.measure_category, county=VIEW, scoped=False),
    **{
        model: AdminModel(
            obj=lambda w, name=name: w.ledger[name], county=MANAGE, marker=household_number
        )
        for name, model in LEDGER_MODELS.items()
    },
    # Jobs are made by uploads; county offices import, from the admin too, into their county.
    ImportJob: AdminModel(
        obj=lambda w: w.import_job,
        county=VIEW | {"import"},
        superuser=VIEW,
        marker=lambda j: j.file_name,
    ),
    # Review and accountability: the county keeps them; exits are recorded on their pages.
    ExitTarget: AdminModel(
        obj=admin_obj(ExitTarget), county=MANAGE, marker=lambda t: t.township.name
    ),
    ExitReview: AdminModel(
        obj=admin_obj(ExitReview), county=VIEW, superuser=VIEW, marker=lambda r: r.household.number
    ),
    TeamAssessment: AdminModel(
        obj=admin_obj(TeamAssessment), county=MANAGE, marker=lambda a: a.team.township.name
    ),
    CadreAssessment: AdminModel(
        obj=admin_obj(CadreAssessment), county=MANAGE, marker=lambda a: a.member.name
    ),
    Outcome: AdminModel(
        obj=admin_obj(Outcome), county=MANAGE, marker=lambda o: o.team.township.name
    ),
    Inspection: AdminModel(
        obj=admin_obj(Inspection), county=MANAGE, marker=lambda i: i.team.township.name
    ),
    Rectification: AdminModel(obj=admin_obj(Rectification), county=MANAGE, marker=lambda r: r.item),
    # Accounts and system records: the superuser's alone.
    Group: AdminModel(obj=lambda w: w.auth_group, county=NOTHING, scoped=False),
    AccessAttempt: AdminModel(
        obj=lambda w: w.access_attempt, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    AccessLog: AdminModel(
        obj=lambda w: w.access_log, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    AccessFailureLog: AdminModel(
        obj=lambda w: w.access_failure, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    TOTPDevice: AdminModel(
        obj=lambda w: w.totp_device, county=NOTHING, superuser=VIEW | {"delete"}, scoped=False
    ),
    DBTaskResult: AdminModel(
        obj=lambda w: w.task_result, county=NOTHING, superuser=VIEW, scoped=False
    ),
    # Projects: the county keeps them; payments and refused attempts are append-only records.
    Project: AdminModel(obj=lambda w: w.project, county=MANAGE, marker=lambda p: p.name),
    Payment: AdminModel(
        obj=lambda w: w.payment, county=VIEW, superuser=VIEW, marker=lambda p: p.payee
    ),
    OverBudgetAttempt: AdminModel(
        obj=lambda w: w.over_budget, county=VIEW, superuser=VIEW, marker=lambda a: a.project.name
    ),
}


def admin_prefix(model):
    return f"admin:{model._meta.app_label}_{model._meta.model_name}"


def admin_urls(models):
    """The URLs the admin makes for each registered model."""
    urls = {}
    for model, spec in models.items():
        prefix = admin_prefix(model)
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
TOWNSHIP_PERSONAS = ("cadre", "other_cadre", "leader", "outsider", "former")
team_pk = lambda w: {"pk": w.team.pk}  # noqa: E731
record_pk = lambda w: {"pk": w.record.pk}  # noqa: E731
household_pk = lambda w: {"pk": w.household.pk}  # noqa: E731
village_code = lambda w: {"code": w.household.village_id}  # noqa: E731
township_code = lambda w: {"code": w.team.township_id}  # noqa: E731
import_job_pk = lambda w: {"pk": w.import_job.pk}  # noqa: E731
project_pk = lambda w: {"pk": w.project.pk}  # noqa: E731
TEAM_MANAGERS_ONLY = frozenset({"cadre", "city"})
READ_ONLY = frozenset({"city"})  # city and province offices read; everybody else in scope writes
COUNTY_ONLY = frozenset({"cadre", "leader", "city"})
OTHER_TOWNSHIP = frozenset({"outsider", "former"})
THE_TOWNSHIP = frozenset({"cadre", "other_cadre", "leader"})
NOT_IMPORTERS = frozenset({"cadre", "leader", "city", "outsider"})


def registry_post(denied):
    """A household's workflow form: a POST without data changes nothing and redirects back to
    the page, with the form's errors as messages."""
    return Page(kwargs=household_pk, scope="object", denied=denied, method="post", status=302)


URLS = {
    # The county's dashboard for the offices above it, which land on their own level.
    "home": Page(scope="list", query="area=449901", marker=lambda w: w.team.township.name),
    "healthz": Page(public=True),
    "service_worker": Page(public=True),
    "login": Page(public=True),
    "logout": Page(method="post", public=True, status=LOGIN),
    "password_change": Page(),
    "password_change_done": Page(),
    "two_factor_verify": Page(status=302),
    "two_factor_enrol": Page(status=302, status_for=dict.fromkeys(TOWNSHIP_PERSONAS, 200)),
    "security": Page(),
    "relogged": Page(),
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
    "teams:records": Page(kwargs=team_pk, scope="object"),
    "teams:record_create": Page(kwargs=team_pk, scope="object", denied=READ_ONLY),
    "teams:record_detail": Page(kwargs=record_pk, scope="object"),
    "teams:record_edit": Page(kwargs=record_pk, scope="object", denied=READ_ONLY),
    # Without a file the form comes back with its error.
    "teams:attachment_add": Page(kwargs=record_pk, scope="object", denied=READ_ONLY, method="post"),
    "teams:attachment": Page(kwargs=lambda w: {"pk": w.attachment.pk}, scope="object"),
    "teams:six_haves": Page(kwargs=team_pk, scope="object"),
    "teams:six_haves_check": Page(kwargs=team_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    # No check recorded yet: the team is short of every item.
    "teams:six_haves_shortfalls": Page(scope="list", marker=lambda w: w.team.township.name),
    "teams:groups": Page(kwargs=team_pk, scope="object"),
    "teams:group_create": Page(kwargs=team_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    "teams:group_edit": Page(
        kwargs=lambda w: {"pk": w.group.pk}, scope="object", denied=TEAM_MANAGERS_ONLY
    ),
    # Everybody in scope reads the table; only managers get the entry form (and may POST).
    "teams:presence": Page(kwargs=team_pk, scope="object"),
    "teams:absences": Page(scope="list", marker=lambda w: w.presence.member.name),
    "households:list": Page(scope="list", marker=lambda w: w.household.number),
    "households:list_xlsx": Page(scope="list", marker=lambda w: w.household.number),
    # A cadre of another township creates households there; a former member nowhere.
    "households:create": Page(denied=READ_ONLY | {"former"}),
    "households:detail": Page(kwargs=household_pk, scope="object"),
    "households:edit": Page(kwargs=household_pk, scope="object", denied=READ_ONLY),
    "ledgers:card": Page(kwargs=household_pk, scope="object"),
    "households:person_create": Page(kwargs=household_pk, scope="object", denied=READ_ONLY),
    "households:person_edit": Page(
        kwargs=lambda w: {"pk": w.person.pk}, scope="object", denied=READ_ONLY
    ),
    "households:status_change": registry_post(COUNTY_ONLY),
    "households:cadre_assign": registry_post(TEAM_MANAGERS_ONLY),
    "households:member_change": registry_post(READ_ONLY),
    "households:head_change": registry_post(READ_ONLY),
    "households:move_out": registry_post(COUNTY_ONLY),
    # Moves to the county from another (a household of 另一县 that moved here).
    "households:arriving": Page(
        scope="list", marker=lambda w: w.arriving.person.name, denied=COUNTY_ONLY | OTHER_TOWNSHIP
    ),
    # A move to the county is not a township's to see.
    "households:receive": Page(
        kwargs=lambda w: {"pk": w.arriving.pk},
        scope="object",
        absent=THE_TOWNSHIP,
        denied=READ_ONLY,
        method="post",
        status=302,
    ),
    "households:receive_household": Page(
        kwargs=lambda w: {"pk": w.arriving.household_id},
        scope="object",
        absent=THE_TOWNSHIP,
        denied=READ_ONLY,
        method="post",
        status=302,
    ),
    # The village's steps are the team's, the township review the leader's (the step's own
    # action is checked once its data is posted).
    "households:identification": Page(kwargs=household_pk, scope="object", denied=READ_ONLY),
    "households:identification_step": registry_post(READ_ONLY),
    "households:assessment_add": registry_post(READ_ONLY),
    "households:objection_add": Page(
        kwargs=lambda w: {"pk": w.step.pk},
        scope="object",
        denied=READ_ONLY,
        method="post",
        status=302,
    ),
    "households:objection_resolve": Page(
        kwargs=lambda w: {"pk": w.objection.pk},
        scope="object",
        denied=TEAM_MANAGERS_ONLY,
        method="post",
        status=302,
    ),
    "households:handover": Page(
        kwargs=lambda w: {"pk": w.household.contact_cadre_id},
        scope="object",
        denied=TEAM_MANAGERS_ONLY,
    ),
    # Posted in the village by the township team: everyone in scope may print it.
    "households:notice_print": Page(kwargs=lambda w: {"pk": w.notice.pk}, scope="object"),
    # The county office and the household's contact cadre (the cadre persona) only.
    "households:reveal": Page(
        kwargs=lambda w: {"field": "id_number", "pk": w.person.pk},
        scope="object",
        denied=frozenset({"leader", "city"}) | CONTACT_ONLY,
    ),
    "households:village_register": Page(kwargs=village_code, scope="object"),
    "households:village_register_xlsx": Page(kwargs=village_code, scope="object"),
    "households:village_notice": Page(kwargs=village_code, scope="object"),
    "households:coverage": Page(kwargs=township_code, scope="object"),
    "households:map": Page(kwargs=township_code, scope="object"),
    # A township's users see their township, not the county around it.
    "households:county_map": Page(
        kwargs=lambda w: {"code": "449901"}, scope="object", absent=frozenset({"cadre", "leader"})
    ),
    # Team members see their own households unless they ask for all of their area.
    "ledgers:mine": Page(query="all=1", scope="list", marker=lambda w: w.household.number),
    "ledgers:mine_xlsx": Page(query="all=1", scope="list", marker=lambda w: w.household.number),
    "ledgers:export": Page(query="area=449901101", scope="object"),
    "ledgers:ledger": Page(kwargs=household_pk, scope="object"),
    "ledgers:print": Page(kwargs=household_pk, scope="object"),
    "ledgers:history": Page(kwargs=household_pk, scope="object"),
    # The edit endpoints answer GET with their form (or the confirmation of a deletion).
    **{
        f"ledgers:item_create {kind}": Page(
            kwargs=lambda w, kind=kind: {"pk": w.household.pk, "kind": kind},
            scope="object",
            denied=READ_ONLY,
        )
        for kind in LEDGER_MODELS
    },
    **{
        f"ledgers:{view} {kind}": Page(
            kwargs=lambda w, kind=kind: {"kind": kind, "pk": w.ledger[kind].pk},
            scope="object",
            denied=READ_ONLY,
        )
        for view in ("item_edit", "item_delete")
        for kind in LEDGER_MODELS
    },
    "ledgers:visit_photo": Page(kwargs=lambda w: {"pk": w.ledger["photo"].pk}, scope="object"),
    # County offices alone import rosters: to anybody else the pages do not exist.
    "roster_import:list": Page(
        scope="list", marker=lambda w: w.import_job.file_name, absent=NOT_IMPORTERS
    ),
    "roster_import:upload": Page(absent=NOT_IMPORTERS),
    "roster_import:job": Page(kwargs=import_job_pk, scope="object", absent=NOT_IMPORTERS),
    "roster_import:status": Page(kwargs=import_job_pk, scope="object", absent=NOT_IMPORTERS),
    "roster_import:errors": Page(kwargs=import_job_pk, scope="object", absent=NOT_IMPORTERS),
    # The job has errors: confirming it changes nothing and goes back to its page.
    "roster_import:confirm": Page(
        kwargs=import_job_pk, scope="object", absent=NOT_IMPORTERS, method="post", status=302
    ),
    "ledgers:projects": Page(scope="list", marker=lambda w: w.project.name),
    # Township leaders (for their township) and county officers plan projects and pay.
    "ledgers:project_create": Page(denied=frozenset({"cadre", "city", "outsider"})),
    "ledgers:project": Page(kwargs=project_pk, scope="object"),
    "ledgers:project_edit": Page(kwargs=project_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    "ledgers:project_accept": Page(kwargs=project_pk, scope="object", denied=COUNTY_ONLY),
    "ledgers:payment_create": Page(kwargs=project_pk, scope="object", denied=TEAM_MANAGERS_ONLY),
    "ledgers:payment_reverse": Page(
        kwargs=lambda w: {"pk": w.payment.pk}, scope="object", denied=TEAM_MANAGERS_ONLY
    ),
    "ledgers:project_funds": Page(kwargs=project_pk, scope="object"),
    "ledgers:project_xlsx": Page(kwargs=project_pk, scope="object"),
    "ledgers:township_funds": Page(kwargs=township_code, scope="object"),
    "ledgers:township_xlsx": Page(kwargs=township_code, scope="object"),
    "assessments:dashboard_xlsx": Page(),
    "assessments:trends": Page(),
    "assessments:figure": Page(
        kwargs=lambda w: {"figure": "in_poverty"},
        scope="list",
        marker=lambda w: w.household.number,
    ),
    "assessments:figure_xlsx": Page(
        kwargs=lambda w: {"figure": "in_poverty"},
        scope="list",
        marker=lambda w: w.household.number,
    ),
    "assessments:inspections": Page(scope="list", marker=lambda w: w.inspection.inspectors),
    "assessments:inspection_create": Page(
        denied=frozenset({"cadre", "leader", "city", "outsider"})
    ),
    "assessments:inspection": Page(kwargs=lambda w: {"pk": w.inspection.pk}, scope="object"),
    "assessments:rectifications": Page(scope="list", marker=lambda w: w.rectification.item),
    # The team's leader reports progress; its other members and the city read.
    "assessments:rectification_edit": Page(
        kwargs=lambda w: {"pk": w.rectification.pk}, scope="object", denied=TEAM_MANAGERS_ONLY
    ),
    "assessments:exit_reviews": Page(scope="list", marker=lambda w: w.household.number),
    # Without a year the default one; the household does not meet the rule: back to the list.
    "assessments:exit_propose": registry_post(COUNTY_ONLY),
    "assessments:return_to_poverty": Page(kwargs=household_pk, scope="object", denied=COUNTY_ONLY),
    "assessments:exit_objection_add": Page(
        kwargs=lambda w: {"pk": w.exit_notice.pk},
        scope="object",
        denied=READ_ONLY,
        method="post",
        status=302,
    ),
    "assessments:exit_objection_resolve": Page(
        kwargs=lambda w: {"pk": w.exit_objection.pk},
        scope="object",
        denied=TEAM_MANAGERS_ONLY,
        method="post",
        status=302,
    ),
    "assessments:exit_review": Page(kwargs=lambda w: {"pk": w.exit_review.pk}, scope="object"),
    "assessments:assessments": Page(scope="list", marker=lambda w: w.team.township.name),
    "assessments:assessment_compute": Page(
        method="post", status=302, denied=frozenset({"cadre", "leader", "city", "outsider"})
    ),
    "assessments:assessment_report": Page(scope="list", marker=lambda w: w.team.township.name),
    # Cross-checks: the county matches lists and runs the rules; everyone reads the findings
    # of their area (a leader or the county reviews them on the finding's page).
    "assessments:crosschecks": Page(
        scope="list", marker=lambda w: w.outside_list.file_name, absent=NOT_IMPORTERS
    ),
    "assessments:quality_run": Page(method="post", status=302, absent=NOT_IMPORTERS),
    "assessments:findings": Page(scope="list", marker=lambda w: w.finding.detail),
    "assessments:finding": Page(kwargs=lambda w: {"pk": w.finding.pk}, scope="object"),
    "assessments:assessment_xlsx": Page(),
    "assessments:team_assessment": Page(
        kwargs=lambda w: {"pk": w.team_assessment.pk}, scope="object"
    ),
    # Without data the form comes back with its errors.
    "assessments:outcome_add": Page(
        kwargs=lambda w: {"pk": w.team_assessment.pk},
        scope="object",
        denied=COUNTY_ONLY,
        method="post",
    ),
    # Without data nothing is closed: back to the assessments page with the errors as messages.
    "assessments:outcome_close": Page(
        kwargs=lambda w: {"pk": w.admin_objects[Outcome].pk},
        scope="object",
        denied=COUNTY_ONLY,
        method="post",
        status=302,
    ),
    # A cadre's evaluation is the county's and the cadre's: colleagues are told it does not exist.
    "assessments:cadre_assessment_edit": Page(
        kwargs=lambda w: {"pk": w.cadre_assessment.pk},
        scope="object",
        denied=COUNTY_ONLY,
        absent=frozenset({"leader"}) | CONTACT_ONLY,
    ),
    "admin:index": Admin("view"),
    "admin:app_list": Admin("view", kwargs=lambda w: {"app_label": "teams"}),
    "admin:auth_user_password_change": Admin(
        "password", User, kwargs=lambda w: {"id": w.users["cadre"].pk}, scope="object"
    ),
    # Device secrets are never shown again after enrolment (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:households_importjob_import": Admin("import", ImportJob),
    # Without the confirmation form's data the import page comes back with its errors.
    "admin:households_importjob_process_import": Admin("import", ImportJob, method="post"),
    **admin_urls(ADMIN_MODELS),
}

#: The action of the permission table (teams.permissions) behind each page that changes
#: something, and what it is done to: the household, the team, the township, or nothing in
#: particular. `test_write_pages_answer_as_the_permission_table_says` derives each persona's
#: answer from the table.
HOUSEHOLD, TEAM, TOWNSHIP = "household", "team", "township"
ACTIONS = {
    "teams:create": ("create_teams", None),
    **dict.fromkeys(
        [
            "teams:edit",
            "teams:member_create",
            "teams:member_edit",
            "teams:six_haves_check",
            "teams:group_create",
            "teams:group_edit",
            "assessments:rectification_edit",
        ],
        ("manage_team", TEAM),
    ),
    **dict.fromkeys(
        ["teams:record_create", "teams:record_edit", "teams:attachment_add"],
        ("add_work_record", TEAM),
    ),
    "households:create": ("keep_household", None),
    **dict.fromkeys(
        [
            "households:edit",
            "households:person_create",
            "households:person_edit",
            "households:member_change",
            "households:head_change",
        ],
        ("keep_household", HOUSEHOLD),
    ),
    "households:cadre_assign": ("assign_cadre", HOUSEHOLD),
    **dict.fromkeys(
        [
            "households:move_out",
            "households:arriving",
            "households:receive",
            "households:receive_household",
        ],
        ("move_household", None),
    ),
    "households:handover": ("assign_cadre", TEAM),
    **dict.fromkeys(
        [
            "households:identification",
            "households:identification_step",
            "households:assessment_add",
            "households:objection_add",
            "assessments:exit_objection_add",
        ],
        ("record_village_steps", HOUSEHOLD),
    ),
    **dict.fromkeys(
        ["households:objection_resolve", "assessments:exit_objection_resolve"],
        ("record_township_review", HOUSEHOLD),
    ),
    "households:reveal": ("reveal", HOUSEHOLD),
    **dict.fromkeys(
        [
            "households:status_change",
            "assessments:exit_propose",
            "assessments:return_to_poverty",
            "roster_import:list",
            "roster_import:upload",
            "roster_import:job",
            "roster_import:status",
            "roster_import:errors",
            "roster_import:confirm",
        ],
        ("keep_registry", None),
    ),
    **dict.fromkeys(["assessments:crosschecks", "assessments:quality_run"], ("import_lists", None)),
    **{
        f"ledgers:{view} {kind}": ("keep_ledger", HOUSEHOLD)
        for view in ("item_create", "item_edit", "item_delete")
        for kind in LEDGER_MODELS
    },
    **dict.fromkeys(
        [
            "ledgers:project_create",
            "ledgers:project_edit",
            "ledgers:payment_create",
            "ledgers:payment_reverse",
        ],
        ("manage_projects", TOWNSHIP),
    ),
    "ledgers:project_accept": ("fund_projects", None),
    **dict.fromkeys(
        [
            "assessments:inspection_create",
            "assessments:assessment_compute",
            "assessments:outcome_add",
            "assessments:outcome_close",
            "assessments:cadre_assessment_edit",
        ],
        ("assess", None),
    ),
}
#: The personas inside the first township's county, whose rights the table decides.
IN_SCOPE = ["cadre", "other_cadre", "leader", "county", "city"]


# Models whose admin is a ScopedAdmin but which keep no versions (no HistoricalRecords).
NO_VERSIONS = [
    Area,
    User,
    SixHavesItem,
    ReferenceItem,
    ListKind,
    StatusChange,
    IdentificationStep,
    Disclosure,
    Access,
    ImportJob,
    Payment,
    OverBudgetAttempt,
]

EXEMPT = {
    "admin:login": "Django's own login form; public by design",
    "admin:logout": "Django's own; logs out whoever calls it",
    "admin:password_change": "the user's own password, no data of a scope",
    "admin:password_change_done": "a static confirmation",
    "admin:jsi18n": "the admin's JavaScript translation catalogue",
    "admin:autocomplete": "goes through each ModelAdmin's get_search_results and get_queryset",
    "admin:view_on_site": "redirects to the object's get_absolute_url, walked above",
    "households:card": "the card's old address: redirects to ledgers:card, walked above",
    # Unnamed patterns, by route.
    "admin/(?P<url>.*)$": "the admin's catch-all: 404, or the login for anonymous users",
    "admin/<model>/<path:object_id>/": "redirects to the change URL, walked above",
    **{
        f"{admin_prefix(model)}_simple_history": "keeps no versions: a 404, see the test below"
        for model in NO_VERSIONS
    },
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


def public_views(patterns=None, namespace=""):
    """The names of the URL patterns whose view needs no login (@login_not_required), apart
    from the admin's, which the walk below holds to the admin's own login."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver) and pattern.app_name == "admin":
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from public_views(pattern.url_patterns, inner)
        elif not getattr(pattern.callback, "login_required", True):
            yield namespace + (pattern.name or str(pattern.pattern))


def test_only_the_login_the_language_switch_and_the_health_check_are_public():
    """LoginRequiredMiddleware guards every view; a view opened to anonymous users is a
    decision, listed here. The service worker is a static script (no data): a browser fetches
    it again without asking, logged in or not."""
    assert sorted(public_views()) == ["healthz", "login", "service_worker", "set_language"]


def pattern_name(key):
    """The pattern a key of `URLS` walks: "ledgers:item_edit plan" is one of its variants."""
    return key.split(" ")[0]


def test_every_url_pattern_is_in_the_table():
    walked = {pattern_name(key) for key in URLS}
    unknown = [name for name in url_patterns() if name not in walked and name not in EXEMPT]
    assert unknown == [], "Add these URL patterns to URLS (or EXEMPT, with a reason)"


def test_every_admin_model_is_in_the_table():
    unknown = [model for model in admin.site._registry if model not in ADMIN_MODELS]
    assert unknown == [], "Add these models to ADMIN_MODELS"


def test_every_ledger_kind_is_walked():
    """The ledger's edit endpoints take the kind from the URL: each kind is a variant above."""
    assert {name: kind.model for name, kind in KINDS.items()} == LEDGER_MODELS


def test_the_table_has_no_stale_entries():
    names = set(url_patterns())
    assert [key for key in URLS if pattern_name(key) not in names] == []


@pytest.mark.parametrize("model", NO_VERSIONS, ids=lambda model: model._meta.model_name)
def test_models_without_versions_have_no_version_page(model, world, as_user):
    client = as_user(world.users["superuser"])
    url = reverse(
        f"{admin_prefix(model)}_simple_history", args=[ADMIN_MODELS[model].obj(world).pk, 1]
    )
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
    settings,
    tmp_path,
):
    """One object of every kind in 示例东1镇, and the personas that look at them."""
    former = UserFactory(username="former", role=User.Role.TOWNSHIP, area=east_team.township)
    MemberFactory(team=east_team, name="离队干部", user=former, left=timezone.localdate())
    other_cadre = UserFactory(
        username="other_cadre", role=User.Role.TOWNSHIP, area=east_team.township
    )
    MemberFactory(team=east_team, name="东镇另一干部", user=other_cadre)
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = UnitFactory(name="东镇驻镇单位", area=AreaFactory(code="449901"))
    village = AreaFactory(code="449901101201", name="东镇一村")
    record = WorkRecordFactory(team=east_team, title="东镇工作会议")
    # A stationed cadre on site too few days three months running: long absent.
    stationed = MemberFactory(
        team=east_team, name="东镇驻村干部", source=Member.Source.STATIONED, unit=unit
    )
    presence = [
        PresenceFactory(member=stationed, month=datetime.date(2017, month, 1), days_on_site=5)
        for month in (1, 2, 3)
    ][-1]
    household = HouseholdFactory(
        village=village,
        contact_cadre=township_cadre.member,
        phone="13812341234",
        bank_account=BANK_ACCOUNT,
    )
    person = PersonFactory(
        household=household, name="东镇户主", health=HEALTH, disability_grade="2"
    )
    ledger = {
        "plan": Plan.objects.create(household=household, year=2017, goals="种养结合，年底脱贫"),
        "measure": MeasureFactory(household=household),
        "visit": VisitFactory(household=household),
        "income": IncomeFactory(household=household),
        "guarantee": Guarantee.objects.create(household=household, year=2017),
    }
    ledger["photo"] = VisitPhotoFactory(
        visit=ledger["visit"],
        photo=SimpleUploadedFile("走访.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 60),
    )
    # Reference rows come from data migrations, which keep no versions: save one.
    poverty_standard, measure_category = (
        PovertyStandard.objects.first(),
        MeasureCategory.objects.first(),
    )
    poverty_standard.save()
    measure_category.save()
    now = timezone.now()
    project = Project.objects.create(
        township=east_team.township,
        name="东镇养鸡项目",
        category=Project.Category.INDUSTRY,
        starts_on=datetime.date(2017, 3, 1),
        ends_on=datetime.date(2017, 12, 31),
    )
    project.budgets.create(source="fiscal", amount=1000)
    payment = record_payment(
        project=project,
        source="fiscal",
        amount=100,
        user=None,
        date=datetime.date(2017, 4, 1),
        payee="东镇收款人",
        purpose="鸡苗",
    )
    year = default_year(timezone.localdate())
    inspection = InspectionFactory(team=east_team, inspectors="东镇督查组")
    rectification = RectificationFactory(inspection=inspection, item="东镇台账补齐")
    exit_review = ExitReview.objects.create(
        household=household, year=year, per_capita=6000, exit_line=5000, proposed_on=now
    )
    exit_notice = ExitStep.objects.create(
        review=exit_review,
        step=ExitStep.Step.NOTICE,
        date=now,
        responsible="东镇村委",
        outcome=ExitStep.Outcome.PASSED,
        notice_until=now + datetime.timedelta(days=7),
        issued_by="东镇一村村民委员会",
        complaint_phone="0755-12317",
    )
    team_assessment = TeamAssessment.objects.create(
        team=east_team, year=year, comment="东镇考核评语"
    )
    cadre_assessment = CadreAssessment.objects.create(member=township_cadre.member, year=year)
    access = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "cadre"}
    notice = IdentificationStep.objects.create(
        household=household,
        step=IdentificationStep.Step.FIRST_NOTICE,
        date=now,
        responsible="东镇村委",
        outcome=IdentificationStep.Outcome.PASSED,
        notice_until=now + datetime.timedelta(days=7),
        issued_by="东镇一村村民委员会",
        complaint_phone="0755-12317",
    )
    # A household of 另一县 that moved to 示例县.
    moved = PersonFactory(
        name="迁入户主", household=HouseholdFactory(village=AreaFactory(code="449902101201"))
    ).household
    services.household_move_out(
        household=moved,
        destination=county_officer.area,
        date=timezone.localdate(),
        reason="投靠亲属",
        by=other_county_officer,
    )
    outside_list = OutsideList.objects.create(
        kind=ListKind.objects.get(code="vehicle"),
        county=county_officer.area,
        as_of=timezone.localdate(),
        file_name="东县车辆名单.xlsx",
    )
    return SimpleNamespace(
        arriving=moved.changes.get(),
        team=east_team,
        unit=unit,
        village_team=VillageWorkTeamFactory(village=village, unit=unit),
        record=record,
        attachment=WorkRecordAttachment.objects.create(
            record=record, file=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")
        ),
        six_haves_item=SixHavesItem.objects.first(),
        six_haves_check=SixHavesCheckFactory(team=east_team, met=False),
        outside_list=outside_list,
        finding=Finding.objects.create(
            area=east_team.township,
            kind="vehicle",
            outside_list=outside_list,
            household=household,
            person=person,
            detail="号牌号码：粤J·东镇车",
            found_on=timezone.localdate(),
        ),
        group=WorkGroupFactory(team=east_team, name="东镇第一片区组"),
        presence=presence,
        reference_item=ReferenceItem.objects.first(),
        household=household,
        person=person,
        ledger=ledger,
        poverty_standard=poverty_standard,
        measure_category=measure_category,
        # A checked roster with an error in one row.
        import_job=ImportJob.objects.create(
            county=county_officer.area,
            file=SimpleUploadedFile("示例县花名册.xlsx", roster_bytes(family())),
            file_name="示例县花名册.xlsx",
            status=ImportJob.Status.INVALID,
            row_count=3,
            problems=[{"row": 3, "column": "姓名", "value": "", "message": "缺少姓名"}],
            created_by=county_officer,
        ),
        project=project,
        payment=payment,
        over_budget=OverBudgetAttempt.objects.create(
            project=project, source="fiscal", amount=5000, budget=1000, paid=100
        ),
        # Registered in 2016: in poverty in every year the figures can be asked for.
        status_change=StatusChange.objects.create(
            household=household,
            new_status=Household.Status.REGISTERED,
            date=datetime.date(2016, 6, 1),
            reason="建档",
        ),
        step=IdentificationStep.objects.create(
            household=household,
            step=IdentificationStep.Step.APPLICATION,
            date=now,
            responsible="东镇村委",
            outcome=IdentificationStep.Outcome.PASSED,
        ),
        notice=notice,
        objection=Objection.objects.create(step=notice, received_on=now, content="东镇异议"),
        access=Access.objects.create(
            actor="county",
            kind=Access.Kind.FILE,
            household_number=household.number,
            area_code=village.code,
            path=household.get_absolute_url(),
        ),
        disclosure=Disclosure.objects.create(
            action=Disclosure.Action.REVEAL,
            actor="county",
            area_code=village.code,
            record=f"person {person.pk}",
            field="id_number",
            reason="核对东镇户主身份",
        ),
        inspection=inspection,
        rectification=rectification,
        exit_review=exit_review,
        exit_notice=exit_notice,
        exit_objection=ExitObjection.objects.create(
            step=exit_notice, received_on=now, content="东镇脱贫异议"
        ),
        team_assessment=team_assessment,
        cadre_assessment=cadre_assessment,
        admin_objects={
            ExitTarget: ExitTarget.objects.create(
                township=east_team.township, year=year, households=3
            ),
            ExitReview: exit_review,
            TeamAssessment: team_assessment,
            CadreAssessment: cadre_assessment,
            Outcome: Outcome.objects.create(
                kind=Outcome.Kind.CIRCULAR, team=east_team, year=year, date=now, owner="东镇责任人"
            ),
            Inspection: inspection,
            Rectification: rectification,
        },
        auth_group=Group.objects.create(name="示例组"),
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
            "former": former,
            "other_cadre": other_cadre,
            "other_county": other_county_officer,
            "superuser": superuser,
        },
    )


def body(response):
    """What a response shows a user: a page's text, the cells of a workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        return workbook_text(content)
    return content.decode(errors="replace")


def full_values(world, url):
    """The seeded personal values that no page, download or export may show in full: they
    reach a browser only through the logged reveal (its POST)."""
    person, household = world.person, world.household
    values = [person.id_number, household.phone, BANK_ACCOUNT, f"{person.birth_date:%Y-%m-%d}"]
    if "referenceitem" not in url:  # the health list itself names the statuses
        values.append(HEALTH)
    return values


def outcome(response, marker):
    """What a response amounts to, in the vocabulary of `expect`."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse(settings.LOGIN_URL)):
            return LOGIN
    if response.status_code == 200 and marker is not None:
        return SHOWN if marker in body(response) else HIDDEN
    return response.status_code


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_gives_each_persona_what_it_may_see(name, world, client, as_user):
    entry = URLS[name]
    url = reverse(
        pattern_name(name),
        args=entry.args(world) if getattr(entry, "args", None) else None,
        kwargs=entry.kwargs(world) if entry.kwargs else None,
    )
    if getattr(entry, "query", ""):
        url = f"{url}?{entry.query}"
    marker = None
    if isinstance(entry, Page) and entry.marker:
        marker = entry.marker(world)
    elif isinstance(entry, Admin) and entry.scope == "list" and ADMIN_MODELS[entry.model].scoped:
        spec = ADMIN_MODELS[entry.model]
        marker = spec.marker(spec.obj(world))
    got, expected = {}, {}
    for persona in PERSONAS:
        http = client if persona == "anonymous" else as_user(world.users[persona])
        response = getattr(http, entry.method)(url)
        got[persona] = outcome(response, marker)
        if response.status_code == 200:
            # A list of choices names every health status: choosing is not showing.
            shown = re.sub(r"<option[^>]*>[^<]*</option>", "", body(response))
            leaked = [value for value in full_values(world, url) if value in shown]
            assert not leaked, (url, persona, leaked)
        expected[persona] = entry.expect(persona)
        client.logout()
    assert got == expected, url


# The class: generated and mutated form data, posted to every page of the URL table as each
# persona, gets a 2xx, 3xx or 4xx answer: never a 500 (the test client raises the exception).
GARBAGE = [
    "", " ", "abc", "-1", "0", "1e3", "1.5", "9" * 30, "2017-02-30", "2017-13-01", "NaN",
    "<script>", "=1+1", "4499011012010000１", "null", "[]", "\u200b", "x" * 400,
]  # fmt: skip


def _field_names(response):
    """The names of a page's form fields (none for a download)."""
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return []
    names = set(re.findall(r'name="([a-z_][a-z0-9_-]*)"', response.content.decode()))
    return sorted(names - {"csrfmiddlewaretoken"})


def test_no_post_to_any_page_is_a_500(world, as_user):
    """No 500 on any POST (issue 16): see GARBAGE."""
    pages = {}
    for name, entry in sorted(URLS.items()):
        if not isinstance(entry, Page) or entry.public:
            continue
        kwargs = entry.kwargs(world) if entry.kwargs else None
        pages[name] = reverse(pattern_name(name), kwargs=kwargs)
    ids = [str(pk) for pk in (world.household.pk, world.person.pk, world.team.pk, 999999)]
    ids += [world.household.village_id, world.team.township_id, "449902", "44"]
    value = st.one_of(st.sampled_from(GARBAGE + ids), st.text(max_size=20))
    fields = {}

    @hypothesis.settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[
            hypothesis.HealthCheck.function_scoped_fixture,
            hypothesis.HealthCheck.too_slow,
        ],
    )
    @hypothesis.given(data=st.data())
    def post(data):
        name = data.draw(st.sampled_from(sorted(pages)), label="page")
        persona = data.draw(st.sampled_from(["cadre", "leader", "county", "outsider"]))
        http = as_user(world.users[persona])
        url = pages[name]
        if (url, persona) not in fields:
            fields[url, persona] = _field_names(http.get(url))
        names = fields[url, persona] + ["version", "township", "q"]
        form = data.draw(st.dictionaries(st.sampled_from(names), st.lists(value, max_size=2)))
        response = http.post(url, form)
        assert response.status_code < 500, (name, persona, form)

    post()


#: Pages that some personas in the county do not get for their scope, not for a right: the
#: county map is the county's area, which a township's cadres do not see.
OUT_OF_SCOPE = {"households:county_map"}


def test_every_page_that_refuses_someone_names_its_action():
    refusing = {
        name
        for name, entry in URLS.items()
        if isinstance(entry, Page) and (entry.denied or entry.absent)
    } - OUT_OF_SCOPE
    assert sorted(refusing - ACTIONS.keys()) == []
    assert sorted(ACTIONS.keys() - URLS.keys()) == []


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_write_pages_answer_as_the_permission_table_says(name, world):
    """With the walk above (each answer is the table's `expect`), each persona's answer to each
    page that changes something is the permission table's."""
    action, target = ACTIONS[name]
    where = {
        HOUSEHOLD: {"household": world.household},
        TEAM: {"team": world.team},
        TOWNSHIP: {"township_id": world.team.township_id},
        None: {},
    }[target]
    refused = {persona for persona in IN_SCOPE if URLS[name].expect(persona) in (403, 404)}
    allowed = {persona for persona in IN_SCOPE if may(world.users[persona], action, **where)}
    assert refused == set(IN_SCOPE) - allowed, name
