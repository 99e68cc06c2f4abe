"""HTML, script and spreadsheet formulas typed into any text field come back as plain text.

Every free-text column of the township's data (teams, members, units, village work teams,
work records and their file names, groups, areas, households and persons, the registry's logs,
ledger plans, measures, visits, 三保障 evidence, account names) is filled with a payload; then
every page that shows them, the admin's pages and the .xlsx exports are fetched. The payload
must never appear as markup, and in a workbook never as a formula.
"""

import io
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.models import Disclosure, Household, IdentificationStep, Person, StatusChange
from ledgers.models import Guarantee, Measure, Plan, Visit
from teams.models import (
    Area,
    Member,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
    WorkRecordAttachment,
)
from tests.factories import (
    HouseholdFactory,
    IncomeFactory,
    MeasureFactory,
    MemberFactory,
    PersonFactory,
    UnitFactory,
    VillageWorkTeamFactory,
    VisitFactory,
    WorkGroupFactory,
    WorkRecordFactory,
)

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
FORMULA = "=1+1"
#: What must never reach a page unescaped.
MARKUP = ["<script>alert(1)", "<img src=x onerror"]
POISONED = [
    Area,
    Unit,
    Team,
    Member,
    VillageWorkTeam,
    WorkRecord,
    WorkRecordAttachment,
    WorkGroup,
    Household,
    Person,
    StatusChange,
    IdentificationStep,
    Disclosure,
    Plan,
    Measure,
    Visit,
    Guarantee,
    User,
]
# Identifiers and machine-read values, not free text.
NOT_TEXT = {"number", "id_number", "id_number_hash", "username", "password", "email", "file"}


def payload(max_length, suffix):
    """The longest payload the column holds; ``suffix`` keeps unique columns unique."""
    for text in (FORMULA + IMAGE + SCRIPT, FORMULA + SCRIPT, SCRIPT):
        if max_length is None or len(text + suffix) <= max_length:
            return text + suffix


def text_fields(model):
    """Free-text columns long enough for a payload (shorter ones are codes)."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.primary_key
        and field.name not in NOT_TEXT
        and payload(field.max_length, "999")
    ]


def poison(model):
    """Write the payload into every free-text column of every row (as an import or the admin
    could: no form validation on the way)."""
    fields = text_fields(model)
    for pk in model.objects.values_list("pk", flat=True):
        model.objects.filter(pk=pk).update(
            **{field.name: payload(field.max_length, str(pk)[-3:]) for field in fields}
        )


@pytest.fixture
def hostile(east_team, township_cadre, county_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = UnitFactory()
    household = HouseholdFactory(contact_cadre=township_cadre.member, phone="13812341234")
    village = household.village
    person = PersonFactory(household=household)
    record = WorkRecordFactory(team=east_team, decisions="决定")
    attachment = WorkRecordAttachment.objects.create(
        record=record, file=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    now = timezone.now()
    objects = {
        "team": east_team,
        "household": household,
        "person": person,
        "record": record,
        "attachment": attachment,
        "unit": unit,
        "member": MemberFactory(team=east_team, duties="分工", tasks="任务", post="科员"),
        "village_team": VillageWorkTeamFactory(village=village, unit=unit, members="甲\n乙"),
        "group": WorkGroupFactory(team=east_team),
        "measure": MeasureFactory(household=household, responsible=township_cadre.member),
        "visit": VisitFactory(household=household, cadre=township_cadre.member, actions="做了"),
        "income": IncomeFactory(household=household),
        "plan": Plan.objects.create(
            household=household, year=2017, goals="目标", agreed_with="户主"
        ),
        "guarantee": Guarantee.objects.create(household=household, year=2017),
        "status_change": StatusChange.objects.create(
            household=household, new_status=Household.Status.REGISTERED, date=now, reason="建档"
        ),
        "step": IdentificationStep.objects.create(
            household=household,
            step=IdentificationStep.Step.APPLICATION,
            date=now,
            responsible="村委",
            outcome=IdentificationStep.Outcome.PASSED,
        ),
        "disclosure": Disclosure.objects.create(
            action=Disclosure.Action.REVEAL,
            actor="county",
            area_code=village.code,
            record=f"person {person.pk}",
            field="phone",
            reason="核对",
        ),
    }
    for model in POISONED:
        poison(model)
    for obj in objects.values():
        obj.refresh_from_db()
    return objects


def assert_no_markup(response, url):
    assert response.status_code == 200, url
    content = response.content.decode()
    for markup in MARKUP:
        assert markup not in content, f"{markup} unescaped in {url}"
    return content


def assert_cells_are_text(workbook_bytes, source):
    """No formula anywhere, and the payload kept whole as text (after Excel's quote prefix)."""
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    found = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (
                    f"formula {cell.value!r} in {source} {cell.coordinate}"
                )
                if isinstance(cell.value, str) and SCRIPT in cell.value:
                    assert cell.value.lstrip("'").startswith(FORMULA), cell.value
                    found += 1
    assert found, f"no payload in {source}"


@pytest.mark.django_db
def test_text_fields_render_escaped_on_every_page(hostile, as_user, county_officer, township_cadre):
    team, household = hostile["team"], hostile["household"]
    village = household.village
    pages = [
        reverse("home"),
        reverse("teams:list"),
        reverse("teams:detail", args=[team.pk]),
        reverse("teams:edit", args=[team.pk]),
        reverse("teams:board", args=[team.pk]),
        reverse("teams:member_edit", args=[hostile["member"].pk]),
        reverse("teams:records", args=[team.pk]),
        reverse("teams:record_detail", args=[hostile["record"].pk]),
        reverse("teams:record_edit", args=[hostile["record"].pk]),
        reverse("teams:six_haves", args=[team.pk]),
        reverse("teams:six_haves_shortfalls"),
        reverse("teams:groups", args=[team.pk]),
        reverse("teams:group_edit", args=[hostile["group"].pk]),
        reverse("teams:presence", args=[team.pk]),
        reverse("teams:absences"),
        reverse("households:list"),
        reverse("households:detail", args=[household.pk]),
        reverse("households:edit", args=[household.pk]),
        reverse("ledgers:card", args=[household.pk]),
        reverse("households:person_edit", args=[hostile["person"].pk]),
        reverse("households:identification", args=[household.pk]),
        reverse("households:village_register", args=[village.code]),
        reverse("households:village_notice", args=[village.code]),
        reverse("households:coverage", args=[village.parent_id]),
        reverse("households:map", args=[village.parent_id]),
        reverse("households:county_map", args=[village.parent.parent_id]),
        reverse("ledgers:mine") + "?all=1",
        reverse("ledgers:ledger", args=[household.pk]),
        reverse("ledgers:print", args=[household.pk]),
        reverse("ledgers:history", args=[household.pk]),
        reverse("ledgers:item_edit", args=["visit", hostile["visit"].pk]),
        reverse("ledgers:item_edit", args=["measure", hostile["measure"].pk]),
        reverse("ledgers:item_edit", args=["plan", hostile["plan"].pk]),
        reverse("ledgers:item_edit", args=["guarantee", hostile["guarantee"].pk]),
    ]
    county = as_user(county_officer)
    shown = 0
    for url in pages:
        content = assert_no_markup(county.get(url), url)
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert shown >= len(pages) * 2 // 3, "the payload should be visible (escaped) on most pages"
    cadre = as_user(township_cadre)
    assert_no_markup(cadre.get(reverse("ledgers:mine")), "my households")
    reveal = reverse("households:reveal", args=["phone", household.pk])
    assert_no_markup(cadre.post(reveal, {"reason": SCRIPT}), reveal)


@pytest.mark.django_db
def test_admin_pages_render_text_fields_escaped(hostile, as_user, superuser_client_user):
    client = as_user(superuser_client_user)
    for obj in hostile.values():
        if not admin.site.is_registered(type(obj)):
            continue
        opts = obj._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        for url in (
            reverse(f"{prefix}_changelist"),
            reverse(f"{prefix}_change", args=[obj.pk]),
            reverse(f"{prefix}_history", args=[obj.pk]),
            reverse(f"{prefix}_delete", args=[obj.pk]),
        ):
            response = client.get(url)
            if response.status_code != 403:  # logs nobody may delete
                assert_no_markup(response, url)


@pytest.fixture
def superuser_client_user(db):
    return User.objects.create(username="root", is_superuser=True, is_staff=True)


@pytest.mark.django_db
def test_workbooks_hold_the_payload_as_text_never_as_a_formula(
    hostile, as_user, county_officer, tmp_path
):
    village = hostile["household"].village
    county = as_user(county_officer)
    for url in (
        reverse("households:village_register_xlsx", args=[village.code]),
        reverse("ledgers:export") + "?" + urlencode({"area": village.parent_id}),
    ):
        response = county.get(url)
        assert response.status_code == 200, url
        assert_cells_are_text(response.content, url)
    output = tmp_path / "roster.xlsx"
    call_command(
        "export_roster", "--county", "449901", "-o", str(output), "--full", "--reason", SCRIPT
    )
    assert_cells_are_text(output.read_bytes(), "export_roster --full")
