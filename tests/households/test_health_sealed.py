"""Health and disability are sensitive personal information (PIPL art. 28): stored encrypted,
in the person and in its history, shown as ``**``, revealed in full only through the logged
reveal, and never rendered by an edit form. (They were plain columns, shown to everyone in
the household's area.)"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from households.models import Disclosure, Person
from households.sensitive import PREFIX
from tests.factories import reference

pytestmark = pytest.mark.django_db

ILLNESS = "长期慢性病"


@pytest.fixture
def person(household):
    person = household.persons.get(name="配偶乙")
    person.health, person.disability_grade = ILLNESS, Person.DisabilityGrade.TWO
    person.save()
    return person


def stored_columns(table, where):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT health, disability_grade FROM {table} WHERE {where}")
        return cursor.fetchall()


def test_health_and_disability_are_ciphertext_in_the_row_and_its_history(person):
    rows = stored_columns("households_person", f"id = {person.pk}")
    rows += stored_columns("households_historicalperson", f"id = {person.pk}")
    assert len(rows) >= 2
    for health, grade in rows[:1] + rows[-1:]:
        assert health.startswith(f"{PREFIX}$")
        assert grade.startswith(f"{PREFIX}$")
    assert ILLNESS not in str(rows)
    person.refresh_from_db()
    assert (person.health, person.get_disability_grade_display()) == (ILLNESS, "二级")


@pytest.mark.parametrize(
    "page", ["households:detail", "ledgers:card", "ledgers:ledger", "ledgers:print"]
)
@pytest.mark.parametrize("persona", ["township_cadre", "county_officer", "city_officer"])
def test_pages_show_health_masked_to_everyone(request, as_user, person, page, persona):
    client = as_user(request.getfixturevalue(persona))
    body = client.get(reverse(page, args=[person.household_id])).content.decode()
    assert ILLNESS not in body
    assert "二级" not in body
    revealable = persona == "county_officer" and page != "ledgers:card"
    assert (f"/reveal/health/{person.pk}/" in body) == revealable


def test_the_reveal_shows_health_and_disability_and_logs_it(as_user, county_officer, person):
    client = as_user(county_officer)
    url = reverse("households:reveal", args=["health", person.pk])
    assert ILLNESS not in client.get(url).content.decode()
    body = client.post(url, {"reason": "核实健康状况以落实医疗救助"}).content.decode()
    assert ILLNESS in body
    assert "二级" in body
    logged = Disclosure.objects.get()
    assert (logged.field, logged.actor) == ("health", "county")
    assert logged.record == f"person {person.pk}"


def test_a_cadre_who_is_not_the_contact_may_not_reveal_health(as_user, township_cadre, person):
    response = as_user(township_cadre).post(
        reverse("households:reveal", args=["health", person.pk]), {"reason": "看看"}
    )
    assert response.status_code == 403
    assert not Disclosure.objects.exists()


def person_data(person, **changes):
    data = {"name": person.name, "id_number": "", "relation": person.relation_id}
    data["version"] = person.version
    return {"months_worked": 0, "health": "", "disability_grade": "", **data, **changes}


def test_the_edit_form_selects_nothing_and_a_blank_choice_keeps_the_value(
    as_user, county_officer, person
):
    client = as_user(county_officer)
    url = reverse("households:person_edit", args=[person.pk])
    page = client.get(url).content.decode()
    for name in ("health", "disability_grade"):
        select = page.split(f'name="{name}"')[1].split("</select>")[0]
        assert select.count("selected") == 1
        assert 'value="" selected' in select
    assert "**（不修改）" in page
    assert client.post(url, person_data(person, name="配偶丙")).status_code == 302
    person.refresh_from_db()
    assert (person.name, person.health, person.disability_grade) == ("配偶丙", ILLNESS, "2")
    client.post(url, person_data(person, health="健康", disability_grade="4"))
    person.refresh_from_db()
    assert (person.health, person.disability_grade) == ("健康", "4")


def test_the_edit_form_refuses_a_health_status_not_in_the_list(as_user, county_officer, person):
    url = reverse("households:person_edit", args=[person.pk])
    response = as_user(county_officer).post(url, person_data(person, health="装病"))
    assert response.status_code == 200
    assert "装病 不在可用的选项中" in response.content.decode()
    person.refresh_from_db()
    assert person.health == ILLNESS


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_plain_values_of_persons_and_their_history(household):
    """0009 turns the reference link and the grade number of every person and every earlier
    version into ciphertext, and back again."""
    before, after = (
        ("households", "0008_disclosure_clash_neutral_id_message"),
        (
            "households",
            "0009_health_disability_encrypted",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    illness = old.get_model("households", "ReferenceItem").objects.get(kind="health", name=ILLNESS)
    for model in ("Person", "HistoricalPerson"):
        old.get_model("households", model).objects.filter(name="配偶乙").update(
            health=illness, disability_grade=3
        )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    rows = stored_columns("households_person", "name = '配偶乙'")
    rows += stored_columns("households_historicalperson", "name = '配偶乙'")
    assert rows
    assert all(h.startswith(f"{PREFIX}$") and g.startswith(f"{PREFIX}$") for h, g in rows)
    # Only the columns 0009 knows (later migrations add others).
    person = Person.objects.only("health", "disability_grade").get(name="配偶乙")
    assert (person.health, person.disability_grade) == (ILLNESS, "3")
    assert {v.health for v in person.history.only("health")} == {ILLNESS}
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    reverted = old.get_model("households", "Person").objects.get(name="配偶乙")
    assert (reverted.health_id, reverted.disability_grade) == (illness.pk, 3)
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    assert reference("health", ILLNESS)
