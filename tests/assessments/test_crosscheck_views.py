"""The cross-check pages (issue 22): the county matches a list, the township works through its
worklist and reviews findings with a reason, every view is logged, and identification waits
for an excluding finding."""

import datetime
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from households import services
from households.models import Access, Finding, Household, ListKind, OutsideList
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory

TODAY = timezone.localdate()


def xlsx(rows, header=("姓名", "证件号码", "号牌号码")):
    book = openpyxl.Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(row)

    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("车辆名单.xlsx", out.getvalue())


@pytest.fixture
def east_household(east_team):
    household = HouseholdFactory(village=AreaFactory(code="449901101201"))
    PersonFactory(household=household, name="陈东")
    return household


@pytest.fixture
def west_household(west_team):
    household = HouseholdFactory(village=AreaFactory(code="449901102201"))
    PersonFactory(household=household, name="林西")
    return household


def finding(household, kind="vehicle", detail="号牌号码：粤J·1"):
    return Finding.objects.create(
        area_id=household.village_id[:9],
        kind=kind,
        household=household,
        person=household.persons.first(),
        detail=detail,
        found_on=TODAY,
    )


def test_the_county_matches_a_list_from_the_page(
    as_user, county_officer, east_household, west_household
):
    head = east_household.persons.get()
    response = as_user(county_officer).post(
        reverse("assessments:crosschecks"),
        {
            "county": "449901",
            "kind": ListKind.objects.get(code="vehicle").pk,
            "as_of": "2026-11-30",
            "file": xlsx([["陈东", head.id_number, "粤J·12345"], ["错", "12345", "粤J·0"]]),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "比中 1 条" in body
    assert "第 3 行" in body  # the bad row, by row
    assert Finding.objects.get().household == east_household
    assert OutsideList.objects.get().file_name == "车辆名单.xlsx"


def test_a_list_page_upload_that_cannot_be_read_writes_nothing(as_user, county_officer):
    response = as_user(county_officer).post(
        reverse("assessments:crosschecks"),
        {
            "county": "449901",
            "kind": ListKind.objects.get(code="vehicle").pk,
            "as_of": "2026-11-30",
            "file": xlsx([["错", "12345", "x"]]),
        },
    )
    assert "名单中没有能读取的行" in response.content.decode()
    assert not OutsideList.objects.exists()
    assert not Finding.objects.exists()


def test_a_township_works_through_its_own_worklist(
    as_user, township_leader, east_household, west_household
):
    ours, theirs = finding(east_household, detail="号牌号码：粤J·东"), finding(west_household)
    client = as_user(township_leader)
    body = client.get(reverse("assessments:findings")).content.decode()
    assert "粤J·东" in body
    assert theirs.detail not in body
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert Access.objects.filter(kind=Access.Kind.FINDING).count() == 1
    page = client.get(ours.get_absolute_url()).content.decode()
    assert "陈东" in page
    assert f">{east_household.number}</a>" in page
    assert Access.objects.filter(
        kind=Access.Kind.FINDING, household_number=east_household.number
    ).exists()
    response = client.post(
        ours.get_absolute_url(),
        {"confirmed": "dismissed", "reason": "车辆已于2025年转让", "reviewed_on": f"{TODAY}"},
    )
    assert response.url == reverse("assessments:findings")
    ours.refresh_from_db()
    assert (ours.state, ours.reason, ours.reviewed_by) == (
        Finding.State.DISMISSED,
        "车辆已于2025年转让",
        township_leader,
    )
    assert ours.history.count() == 2
    assert "粤J·东" not in client.get(reverse("assessments:findings")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirmed": "confirmed", "reason": " "}, "这个字段是必填项"),
        (
            {"confirmed": "confirmed", "reason": "   。", "reviewed_on": "2099-01-01"},
            "不能晚于今天",
        ),
        ({"confirmed": "maybe", "reason": "x"}, "选择一个有效的选项"),
    ],
)
def test_a_review_without_its_reason_or_date_changes_nothing(
    as_user, township_leader, east_household, data, message
):
    row = finding(east_household)
    data = {"reviewed_on": f"{TODAY}"} | data
    response = as_user(township_leader).post(row.get_absolute_url(), data)
    assert message in response.content.decode()
    row.refresh_from_db()
    assert row.state == Finding.State.OPEN
    assert row.history.count() == 1


def test_a_member_reads_but_does_not_review(as_user, township_cadre, east_household):
    row = finding(east_household)
    client = as_user(township_cadre)
    assert "记录核实结果" not in client.get(row.get_absolute_url()).content.decode()
    response = client.post(
        row.get_absolute_url(), {"confirmed": "dismissed", "reason": "x", "reviewed_on": TODAY}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.state == Finding.State.OPEN


def test_identification_waits_for_an_excluding_finding(county_officer, east_team):
    """County approval is refused while the candidate's vehicle match is open or confirmed,
    and goes ahead once the match is dismissed."""
    candidate = HouseholdFactory(
        village=AreaFactory(code="449901101201"), status=Household.Status.IDENTIFYING
    )
    PersonFactory(household=candidate)
    day = TODAY - datetime.timedelta(days=60)
    for step, offset in [
        ("application", 0),
        ("democratic_review", 1),
        ("first_notice", 2),
        ("township_review", 12),
        ("second_notice", 13),
    ]:
        notice = step in {"first_notice", "second_notice"}
        services.identification_record_step(
            household=candidate,
            step=step,
            date=day + datetime.timedelta(days=offset),
            responsible="村委",
            outcome="passed",
            by=county_officer,
            notice_until=day + datetime.timedelta(days=offset + 7) if notice else None,
            issued_by="村委会" if notice else "",
            complaint_phone="12317" if notice else "",
        )
    row = finding(candidate)

    def approve():
        services.identification_record_step(
            household=candidate,
            step="county_approval",
            date=TODAY,
            responsible="县扶贫办",
            outcome="passed",
            by=county_officer,
        )

    with pytest.raises(services.HouseholdError, match="七不进：车辆登记"):
        approve()
    candidate.refresh_from_db()
    assert candidate.status == Household.Status.IDENTIFYING
    row.state, row.reason = Finding.State.DISMISSED, "车辆登记在同名他人名下"
    row.save()
    approve()
    candidate.refresh_from_db()
    assert candidate.status == Household.Status.REGISTERED


def test_the_county_dashboard_counts_findings_per_township(
    as_user, county_officer, east_household, west_household
):
    finding(east_household)
    finding(east_household, kind="payroll", detail="工作单位：县财政局")
    finding(west_household)
    body = as_user(county_officer).get(reverse("home")).content.decode()
    section = body[body.index('id="finding-counts"') :]
    assert "?township=449901101&amp;kind=vehicle" in section
    assert "?township=449901102&amp;kind=vehicle" in section
    assert "财政供养人员" in section
    worklist = as_user(county_officer).get(
        reverse("assessments:findings"), {"township": "449901102", "kind": "vehicle"}
    )
    assert [f.household for f in worklist.context["page"]] == [west_household]


def test_the_household_page_says_what_waits_for_it(as_user, township_cadre, east_household):
    row = finding(east_household, detail="号牌号码：粤J·9")
    body = as_user(township_cadre).get(east_household.get_absolute_url()).content.decode()
    assert row.get_absolute_url() in body
    assert "比对核查或数据质量发现待处理" in body


def test_a_confirmed_vehicle_match_proposes_the_exclusion_to_the_county(
    as_user, county_officer, east_household
):
    row = finding(east_household)
    row.state, row.reason = Finding.State.CONFIRMED, "入户核实属实"
    row.save()
    body = as_user(county_officer).get(row.get_absolute_url()).content.decode()
    assert 'id="proposed-exclusion"' in body
    assert east_household.get_absolute_url() in body[body.index('id="proposed-exclusion"') :]
    Finding.objects.filter(pk=row.pk).update(kind="death")  # a death list proposes nothing
    body = as_user(county_officer).get(row.get_absolute_url()).content.decode()
    assert 'id="proposed-exclusion"' not in body
