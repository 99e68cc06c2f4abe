"""No silent overwrite anywhere (issue 18): every page that edits a record refuses a save over
a copy somebody changed after the form was shown (in a page, in the admin, through a
workflow), answers 409 with the values stored now beside the user's input, and saves on a
second, deliberate submit."""

import datetime

import pytest
from django import forms
from django.urls import reverse

from assessments.models import CadreAssessment, TeamAssessment
from households import services
from tests.factories import (
    MemberFactory,
    PersonFactory,
    RectificationFactory,
    WorkGroupFactory,
    WorkRecordFactory,
)

pytestmark = pytest.mark.django_db


def form_data(form):
    """What the browser posts back for ``form`` as it was rendered."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif hasattr(value, "isoformat"):
            data[bound.html_name] = value.isoformat()
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def household(team):
    return PersonFactory().household


def person(team):
    return PersonFactory()


def assessment(team):
    return TeamAssessment.objects.create(team=team, year=2017)


def cadre_assessment(team):
    assessment(team)
    return CadreAssessment.objects.create(member=MemberFactory(team=team), year=2017)


#: url name → (the record, a field the other person changes and its value, the field this user
#: changes and its value).
PAGES = {
    "households:edit": (household, ("farmland_mu", "3.00"), ("bank_name", "农村信用社")),
    "households:person_edit": (person, ("months_worked", 6), ("name", "改名")),
    "teams:edit": (lambda team: team, ("office_phone", "0755-1"), ("office_address", "新址")),
    "teams:member_edit": (lambda team: MemberFactory(team=team), ("phone", "1"), ("name", "新名")),
    "teams:record_edit": (
        lambda team: WorkRecordFactory(team=team),
        ("content", "他人"),
        ("title", "我改"),
    ),
    "teams:group_edit": (
        lambda team: WorkGroupFactory(team=team),
        ("name", "他人的组"),
        ("name", "我改的组"),
    ),
    "assessments:rectification_edit": (
        lambda team: RectificationFactory(inspection__team=team),
        ("owner", "他人"),
        ("progress", "我报的进度"),
    ),
    "assessments:cadre_assessment_edit": (cadre_assessment, ("grade", "good"), ("comment", "我")),
    "assessments:team_assessment": (assessment, ("grade", "good"), ("comment", "我的评语")),
}


@pytest.mark.parametrize("url_name", PAGES)
def test_a_save_over_a_changed_record_is_refused_then_deliberate(
    as_user, county_officer, east_team, url_name
):
    make, (theirs, their_value), (mine, my_value) = PAGES[url_name]
    record = make(east_team)
    url = reverse(url_name, args=[record.pk])
    client = as_user(county_officer)
    data = form_data(client.get(url).context["form"])
    assert data["version"] == str(record.version)

    setattr(record, theirs, their_value)  # somebody else, in the admin
    record.save()
    data[mine] = my_value
    response = client.post(url, data)

    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "在您打开这条记录之后" in page  # "… changed this record … after you opened it"
    record.refresh_from_db()
    assert str(getattr(record, mine)) != my_value
    assert str(getattr(record, theirs)) == str(their_value)

    again = form_data(response.context["form"])
    assert again["version"] == str(record.version)
    assert client.post(url, again).status_code == 302
    record.refresh_from_db()
    assert str(getattr(record, mine)) == my_value


def test_a_workflow_change_refuses_an_edit_form_opened_before_it(
    as_user, county_officer, east_team
):
    """The contact cadre named through the workflow (a save of two fields) counts as a change."""
    record = household(east_team)
    url = reverse("households:edit", args=[record.pk])
    client = as_user(county_officer)
    data = form_data(client.get(url).context["form"])
    services.household_assign_cadre(
        household=record,
        cadre=MemberFactory(team=east_team),
        date=datetime.date(2017, 3, 1),
        reason="调整",
        by=county_officer,
    )
    data["bank_name"] = "农村信用社"
    assert client.post(url, data).status_code == 409
    record.refresh_from_db()
    assert record.bank_name != "农村信用社"


def test_the_conflict_shows_sensitive_values_masked(as_user, county_officer, east_team):
    record = household(east_team)
    url = reverse("households:edit", args=[record.pk])
    client = as_user(county_officer)
    data = form_data(client.get(url).context["form"])
    record.phone = "13812345678"
    record.save()
    response = client.post(url, {**data, "bank_name": "农村信用社"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "13812345678" not in page
    assert "138****5678" in page


@pytest.mark.parametrize(
    ("make", "admin_url"),
    [
        (household, "admin:households_household_change"),
        (lambda team: WorkRecordFactory(team=team), "admin:teams_workrecord_change"),
        (
            lambda team: RectificationFactory(inspection__team=team),
            "admin:assessments_rectification_change",
        ),
    ],
)
def test_the_admin_refuses_a_save_over_a_changed_record(
    as_user, county_officer, east_team, make, admin_url
):
    record = make(east_team)
    url = reverse(admin_url, args=[record.pk])
    client = as_user(county_officer)
    form = client.get(url).context["adminform"].form
    assert f'name="version" value="{record.version}"' in client.get(url).content.decode()
    data = form_data(form)
    # The inline formsets of the page, as rendered (none changed).
    for formset in client.get(url).context["inline_admin_formsets"]:
        data.update(
            {
                f"{formset.formset.prefix}-{key}": value
                for key, value in {
                    "TOTAL_FORMS": formset.formset.total_form_count(),
                    "INITIAL_FORMS": formset.formset.initial_form_count(),
                }.items()
            }
        )
        for inline in formset.formset:
            data.update(form_data(inline))
    record.save()  # somebody else, meanwhile
    response = client.post(url, data)
    assert response.status_code == 200
    assert "其他人在您打开之后修改了这条记录" in response.content.decode()
    stored = type(record).objects.get(pk=record.pk)
    assert stored.version == record.version
    data["version"] = str(stored.version)
    assert client.post(url, data).status_code == 302
