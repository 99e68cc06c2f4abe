import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Disclosure, Household, Person
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, reference

pytestmark = pytest.mark.django_db


def urls(household):
    village = household.village_id
    step = household.identification_steps.first()
    return [
        ("get", reverse("households:detail", args=[household.pk])),
        ("get", reverse("households:edit", args=[household.pk])),
        ("get", reverse("ledgers:card", args=[household.pk])),
        ("get", reverse("households:person_create", args=[household.pk])),
        ("get", reverse("households:identification", args=[household.pk])),
        ("post", reverse("households:status_change", args=[household.pk])),
        ("post", reverse("households:cadre_assign", args=[household.pk])),
        ("post", reverse("households:member_change", args=[household.pk])),
        ("post", reverse("households:head_change", args=[household.pk])),
        ("post", reverse("households:identification_step", args=[household.pk])),
        ("post", reverse("households:assessment_add", args=[household.pk])),
        ("get", reverse("households:person_edit", args=[household.persons.first().pk])),
        ("get", reverse("households:reveal", args=["phone", household.pk])),
        ("get", reverse("households:reveal", args=["id_number", household.persons.first().pk])),
        ("get", reverse("households:village_register", args=[village])),
        ("get", reverse("households:village_register_xlsx", args=[village])),
        ("get", reverse("households:village_notice", args=[village])),
        *([("post", reverse("households:objection_add", args=[step.pk]))] if step else []),
    ]


def test_outsider_gets_404_on_every_page_and_export(as_user, outsider, household):
    client = as_user(outsider)
    for method, url in urls(household):
        assert getattr(client, method)(url).status_code == 404, url


def test_other_county_officer_gets_404_too(as_user, other_county_officer, household):
    client = as_user(other_county_officer)
    for method, url in urls(household):
        assert getattr(client, method)(url).status_code == 404, url


def test_list_shows_households_in_scope_only(as_user, township_cadre, household):
    HouseholdFactory(village=AreaFactory(code="449901102201"))
    response = as_user(township_cadre).get(reverse("households:list"))
    assert list(response.context["page"]) == [household]
    assert "户主甲" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    as_user, county_officer, household, django_assert_num_queries
):
    client = as_user(county_officer)
    for _ in range(5):
        PersonFactory(household=HouseholdFactory(village=household.village))
    # session, user, scope area, 6 filter choices, townships without team, arriving moves,
    # count, page, heads
    with django_assert_num_queries(14):
        client.get(reverse("households:list"))
    for _ in range(10):
        PersonFactory(household=HouseholdFactory(village=household.village))
    with django_assert_num_queries(14):
        response = client.get(reverse("households:list"))
    assert response.context["page"].paginator.count == 16


def test_detail_query_count_does_not_grow_with_members(
    as_user, county_officer, household, django_assert_num_queries
):
    client = as_user(county_officer)
    url = household.get_absolute_url()
    client.get(url)
    # … and the choices of the member change and head change forms, the pending findings
    # and the access log row
    with django_assert_num_queries(23) as before:
        client.get(url)
    for _ in range(4):
        PersonFactory(household=household, relation=reference("relation", "子"))
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url)


@pytest.mark.parametrize(
    ("query", "found"),
    [("户主甲", True), ("配偶", True), ("449901101201", True), ("无此人", False)],
)
def test_search_by_name_and_household_number(as_user, county_officer, household, query, found):
    response = as_user(county_officer).get(reverse("households:list"), {"q": query})
    assert (household in response.context["page"]) is found


def test_search_by_exact_id_number_is_a_post_through_the_keyed_hash(
    as_user, county_officer, household
):
    id_number = household.persons.get(name="配偶乙").id_number
    client = as_user(county_officer)
    response = client.post(reverse("households:list"), {"id_number": id_number.lower() + " "})
    assert list(response.context["page"]) == [household]
    response = client.post(reverse("households:list"), {"id_number": id_number[:10]})
    assert list(response.context["page"]) == []
    assert "证件号码" in response.content.decode()


def test_an_id_number_in_the_address_is_not_searched(as_user, county_officer, household):
    """In a URL it would stay in the browser's history and the web server's log."""
    id_number = household.persons.get(name="配偶乙").id_number
    response = as_user(county_officer).get(reverse("households:list"), {"q": id_number})
    assert list(response.context["page"]) == []
    assert "按证件号码查找" in response.content.decode()


def test_list_filters_by_cause_and_status(as_user, county_officer, household):
    HouseholdFactory(village=household.village, status=Household.Status.EXITED)
    client = as_user(county_officer)
    cause = reference("cause", "因病")
    assert list(client.get(reverse("households:list"), {"cause": cause.pk}).context["page"]) == [
        household
    ]
    exited = client.get(reverse("households:list"), {"status": "exited"}).context["page"]
    assert household not in exited
    assert len(exited) == 1


def test_county_officer_sees_townships_with_households_and_no_team(as_user, county_officer):
    PersonFactory(household__village=AreaFactory(code="449901105201"))
    response = as_user(county_officer).get(reverse("households:list"))
    assert [a.code for a in response.context["without_team"]] == ["449901105"]


def test_pages_show_sensitive_values_masked(as_user, county_officer, household):
    id_number = household.persons.first().id_number
    for url in [
        household.get_absolute_url(),
        reverse("ledgers:card", args=[household.pk]),
        reverse("households:village_register", args=[household.village_id]),
    ]:
        body = as_user(county_officer).get(url).content.decode()
        assert id_number not in body
        assert "13812341234" not in body
    assert (
        "138****1234" in as_user(county_officer).get(household.get_absolute_url()).content.decode()
    )


def test_reveal_shows_one_value_and_logs_who_when_which_and_why(as_user, county_officer, household):
    person = household.persons.first()
    url = reverse("households:reveal", args=["id_number", person.pk])
    response = as_user(county_officer).post(url, {"reason": "核对医保"})
    assert person.id_number in response.content.decode()
    log = Disclosure.objects.get()
    assert (log.user, log.record, log.field, log.reason) == (
        county_officer,
        f"person {person.pk}",
        "id_number",
        "核对医保",
    )


def test_reveal_needs_a_reason(as_user, county_officer, household):
    person = household.persons.first()
    url = reverse("households:reveal", args=["id_number", person.pk])
    response = as_user(county_officer).post(url, {"reason": ""})
    assert person.id_number not in response.content.decode()
    assert not Disclosure.objects.exists()


def test_reveal_is_refused_to_a_cadre_who_is_not_the_contact(as_user, township_cadre, household):
    url = reverse("households:reveal", args=["phone", household.pk])
    assert as_user(township_cadre).post(url, {"reason": "x"}).status_code == 403
    assert not Disclosure.objects.exists()


def test_the_contact_cadre_may_reveal(as_user, township_cadre, household):
    household.contact_cadre = township_cadre.member
    household.save()
    url = reverse("households:reveal", args=["phone", household.pk])
    assert "13812341234" in as_user(township_cadre).post(url, {"reason": "回访"}).content.decode()


def test_township_staff_create_a_household_and_add_its_head(as_user, township_cadre, east_team):
    village = AreaFactory(code="449901101202", name="新坑2村")
    client = as_user(township_cadre)
    response = client.post(
        reverse("households:create"),
        {"village": village.pk, "housing": "safe", "farmland_mu": "1.5", "forest_mu": "0"},
    )
    household = Household.objects.get()
    assert response.url == reverse("households:person_create", args=[household.pk])
    assert household.number == "44990110120200001"
    response = client.post(
        response.url,
        {
            "name": "新户主",
            "id_number": "110105491231002",
            "relation": reference("relation", "户主").pk,
            "months_worked": 0,
        },
    )
    person = Person.objects.get()
    assert person.id_number == "11010519491231002X"
    assert person.is_head


def test_a_duplicate_id_number_is_refused_with_a_message_and_nothing_saved(
    as_user, township_cadre, household
):
    existing = household.persons.first().id_number
    response = as_user(township_cadre).post(
        reverse("households:person_create", args=[household.pk]),
        {
            "name": "重复",
            "id_number": existing,
            "relation": reference("relation", "子").pk,
            "months_worked": 0,
        },
    )
    assert "已" in str(response.context["form"].errors["id_number"])
    assert household.persons.count() == 2


def test_a_second_head_is_refused(as_user, township_cadre, household):
    response = as_user(township_cadre).post(
        reverse("households:person_create", args=[household.pk]),
        {
            "name": "二号",
            "id_number": "11010519491231002X",
            "relation": reference("relation", "户主").pk,
            "months_worked": 0,
        },
    )
    assert response.context["form"].errors["relation"]
    assert household.persons.count() == 2


def test_the_edit_form_cannot_change_the_status(as_user, township_cadre, household):
    as_user(township_cadre).post(
        reverse("households:edit", args=[household.pk]),
        {"housing": "safe", "farmland_mu": "0", "forest_mu": "0", "status": "exited"},
    )
    household.refresh_from_db()
    assert household.status == Household.Status.REGISTERED


def test_township_staff_record_identification_but_not_a_status(as_user, township_cadre, household):
    client = as_user(township_cadre)
    assert client.post(reverse("households:status_change", args=[household.pk])).status_code == 403
    assert client.get(reverse("households:identification", args=[household.pk])).status_code == 200


def test_a_refused_status_change_shows_the_reason(as_user, county_officer, household):
    response = as_user(county_officer).post(
        reverse("households:status_change", args=[household.pk]),
        {"to": "exited", "date": "2016-08-01", "reason": "x"},
        follow=True,
    )
    assert "须经各自的程序" in response.content.decode()
    household.refresh_from_db()
    assert household.status == Household.Status.REGISTERED


def test_county_officer_records_identification_steps(as_user, county_officer):
    household = PersonFactory(household__status=Household.Status.IDENTIFYING).household
    as_user(county_officer).post(
        reverse("households:identification_step", args=[household.pk]),
        {"step": "application", "date": "2016-06-01", "responsible": "村委", "outcome": "passed"},
    )
    assert household.identification_steps.get().responsible == "村委"


def test_card_has_a_qr_code_linking_to_the_household(as_user, township_cadre, household):
    body = as_user(township_cadre).get(reverse("ledgers:card", args=[household.pk])).content
    assert b"<svg" in body
    assert "户主甲" in body.decode()


def test_village_register_xlsx_has_a_title_frozen_header_and_masked_ids(
    as_user, township_cadre, household
):
    response = as_user(township_cadre).get(
        reverse("households:village_register_xlsx", args=[household.village_id])
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "石塘1村" in sheet["A1"].value
    assert sheet.freeze_panes == "B3"  # the header and the household number
    assert sheet.auto_filter.ref.startswith("A2:")
    assert sheet["A2"].value == "户编号"
    assert sheet["F3"].value.startswith("*" * 16)
    assert sheet.column_dimensions["F"].width > 10


def test_notice_list_shows_displayed_registered_households_without_ids(
    as_user, township_cadre, household
):
    HouseholdFactory(village=household.village, publicly_displayed=False)
    response = as_user(township_cadre).get(
        reverse("households:village_notice", args=[household.village_id])
    )
    assert list(response.context["households"]) == [household]
    assert household.persons.first().id_number[:10] not in response.content.decode()


def test_township_staff_change_the_head_of_household(as_user, township_cadre, household):
    wife = household.persons.get(name="配偶乙")
    response = as_user(township_cadre).post(
        reverse("households:head_change", args=[household.pk]),
        {
            "new_head": wife.pk,
            "old_head_relation": reference("relation", "配偶").pk,
            "date": "2017-03-01",
        },
        follow=True,
    )
    assert "户主已变更" in response.content.decode()
    assert household.persons.get(is_head=True) == wife
    assert household.changes.get().person == wife


def test_a_refused_head_change_shows_why_and_changes_nothing(as_user, county_officer, household):
    head = household.persons.get(is_head=True)
    response = as_user(county_officer).post(
        reverse("households:head_change", args=[household.pk]),
        {
            "new_head": head.pk,
            "old_head_relation": reference("relation", "配偶").pk,
            "date": "2017-03-01",
        },
        follow=True,
    )
    assert response.context["messages"]
    assert household.persons.get(is_head=True) == head
    assert not household.changes.exists()


def test_the_city_cannot_change_the_head(as_user, city_officer, household):
    response = as_user(city_officer).post(reverse("households:head_change", args=[household.pk]))
    assert response.status_code == 403


def test_the_change_history_names_the_fields_changed_and_not_the_version(
    as_user, county_officer, household
):
    """The version is a counter of changes, not something the user changed."""
    household.bank_name = "农村信用社"
    household.save()
    rows = as_user(county_officer).get(household.get_absolute_url()).context["history"]
    assert rows[0]["changed"] == ["开户银行"]


def test_the_village_notice_states_its_period_issuer_and_complaint_phone(
    as_user, township_cadre, household, east_team
):
    """By default: seven days from today, the village committee, the team's office phone; the
    officer changes them on the page and the printout says what was set."""
    east_team.office_phone = "0751-8881234"
    east_team.save()
    url = reverse("households:village_notice", args=[household.village_id])
    client = as_user(township_cadre)
    today = timezone.localdate()
    body = client.get(url).content.decode()
    until = today + datetime.timedelta(days=6)
    assert f"{today:%Y-%m-%d} – {until:%Y-%m-%d}" in body
    assert "石塘1村村民委员会" in body
    assert "0751-8881234" in body
    body = client.get(
        url,
        {
            "date": "2026-12-01",
            "notice_until": "2026-12-10",
            "issued_by": "示例东1镇人民政府",
            "complaint_phone": "12317",
        },
    ).content.decode()
    assert "2026-12-01 – 2026-12-10" in body
    assert "示例东1镇人民政府" in body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"notice_until": "2026-12-03"}, "公示期不少于 7 天"),
        ({"complaint_phone": "abc"}, "这不是电话号码"),
        ({"issued_by": ""}, "这个字段是必填项"),
        ({"date": "2026-13-01"}, "输入一个有效的日期"),
    ],
)
def test_a_village_notice_without_its_terms_prints_blanks_and_says_why(
    as_user, township_cadre, household, change, message
):
    terms = {
        "date": "2026-12-01",
        "notice_until": "2026-12-10",
        "issued_by": "示例东1镇人民政府",
        "complaint_phone": "12317",
    }
    response = as_user(township_cadre).get(
        reverse("households:village_notice", args=[household.village_id]), terms | change
    )
    body = response.content.decode()
    assert message in body
    assert response.context["notice"] is None
    assert "______ – ______" in body
