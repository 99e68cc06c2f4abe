"""Outside lists matched against the registry (issue 22): 七不进 matches, 不漏一户 leads, bad
rows by row, a wholly bad file that writes nothing, hashes only."""

import csv
import datetime
import tempfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from households.crosschecks import ListRefused, crosscheck_import
from households.idnumber import compose_id_number
from households.models import Finding, Household, ListKind, OutsideList
from teams.models import Area
from tests.factories import AreaFactory, HouseholdFactory, PersonFactory, reference

AS_OF = datetime.date(2026, 11, 30)


def an_id(n, region="449901"):
    return compose_id_number(region, datetime.date(1970, 1, 1) + datetime.timedelta(days=n), 7)


def write_xlsx(path, header, rows, sheet="名单"):
    book = openpyxl.Workbook()
    book.active.title = sheet
    book.active.append(["某县车辆登记信息（截至 2026-11-30）"])
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.active.append(["合计", len(rows)])
    book.save(path)
    return path


def spouse():
    return reference("relation", "配偶")


def kind(code):
    return ListKind.objects.get(code=code)


@pytest.fixture
def county(db):
    area = AreaFactory(code="449901", name="示例县", level=Area.Level.COUNTY)
    AreaFactory(code="449901101", name="示例东1镇", level=Area.Level.TOWNSHIP, parent=area)
    return area


@pytest.fixture
def registry(county):
    """A registered household of two, a household out of poverty, a candidate, and a
    household of another county."""
    registered = HouseholdFactory(village=AreaFactory(code="449901101201"))
    head = PersonFactory(household=registered, id_number=an_id(1), name="陈大")
    PersonFactory(household=registered, id_number=an_id(2), name="陈二", relation=spouse())
    exited = HouseholdFactory(village=registered.village, status=Household.Status.EXITED)
    PersonFactory(household=exited, id_number=an_id(3))
    candidate = HouseholdFactory(village=registered.village, status=Household.Status.IDENTIFYING)
    PersonFactory(household=candidate, id_number=an_id(4))
    elsewhere = HouseholdFactory(village=AreaFactory(code="449902101201"))
    PersonFactory(household=elsewhere, id_number=an_id(5, "449902"))
    return registered, head, candidate


def test_a_vehicle_list_raises_a_finding_for_each_member_it_names(tmp_path, county, registry):
    registered, head, candidate = registry
    path = write_xlsx(
        tmp_path / "车辆.xlsx",
        ["序号", "姓名", "身份证号", "号牌号码", "车辆类型"],
        [
            [1, "陈大", an_id(1), "粤J·12345", "小型轿车"],
            [2, "某三", an_id(3), "粤J·22222", "货车"],  # out of poverty: not checked
            [3, "某四", an_id(4), "粤J·33333", "小型轿车"],  # a candidate: checked
            [4, "某五", an_id(5, "449902"), "粤J·44444", "小型轿车"],  # another county
            [5, "某六", an_id(6), "粤J·55555", "小型轿车"],  # in no household
        ],
    )
    report = crosscheck_import(path, kind=kind("vehicle"), county=county, as_of=AS_OF)
    assert report.rows == 5
    assert report.problems == []
    findings = {f.household: f for f in Finding.objects.all()}
    assert set(findings) == {registered, candidate}
    assert findings[registered].person == head
    assert findings[registered].detail == "号牌号码：粤J·12345；车辆类型：小型轿车"
    assert findings[registered].area_id == "449901101"
    assert findings[registered].state == Finding.State.OPEN
    assert OutsideList.objects.get().matched == 2
    # The same list again: nothing waits for review twice.
    crosscheck_import(path, kind=kind("vehicle"), county=county, as_of=AS_OF)
    assert Finding.objects.count() == 2


def test_a_dibao_list_leads_to_the_people_in_no_household(tmp_path, county, registry):
    path = tmp_path / "低保.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "公民身份号码", "乡镇", "保障金额"])
        writer.writerow(["陈大", an_id(1), "示例东1镇", "300"])  # registered: no lead
        writer.writerow(["王小明", an_id(7), "示例东1镇", "280"])
        writer.writerow(["李四", an_id(8), "不存在镇", "280"])
    report = crosscheck_import(path, kind=kind("dibao"), county=county, as_of=AS_OF)
    assert report.rows == 3
    leads = {f.masked_name: f for f in Finding.objects.all()}
    assert set(leads) == {"王**", "李*"}
    assert leads["王**"].area_id == "449901101"
    assert leads["李*"].area_id == "449901"  # the list named no township of the county
    assert leads["王**"].masked_id_number.endswith(an_id(7)[-2:])
    assert leads["王**"].household is None
    assert leads["王**"].detail == ""  # no detail kept for a row that matched nobody
    stored = " ".join(str(value) for row in Finding.objects.values_list() for value in row)
    assert an_id(7) not in stored
    assert "王小明" not in stored


def test_bad_rows_are_reported_by_row_and_a_wholly_bad_file_writes_nothing(
    tmp_path, county, registry
):
    header = ["姓名", "证件号码", "号牌号码"]
    path = write_xlsx(
        tmp_path / "车辆.xlsx", header, [["陈大", an_id(1), "粤J·1"], ["错", "44990119", "粤J·2"]]
    )
    report = crosscheck_import(path, kind=kind("vehicle"), county=county, as_of=AS_OF)
    assert [where for where, _message in report.problems] == ["名单 第 4 行"]
    assert Finding.objects.count() == 1
    bad = write_xlsx(tmp_path / "坏.xlsx", header, [["错", "123", "x"], ["错", "", "y"]])
    before = (OutsideList.objects.count(), Finding.objects.count())
    with pytest.raises(ListRefused) as refused:
        crosscheck_import(bad, kind=kind("vehicle"), county=county, as_of=AS_OF)
    assert len(refused.value.problems) == 2
    assert "没有能读取的行" in str(refused.value)
    assert (OutsideList.objects.count(), Finding.objects.count()) == before


def test_a_file_without_an_id_column_is_refused(tmp_path, county):
    path = write_xlsx(tmp_path / "x.xlsx", ["姓名", "号牌号码"], [["陈大", "粤J·1"]])
    with pytest.raises(ListRefused, match="证件号码"):
        crosscheck_import(path, kind=kind("vehicle"), county=county, as_of=AS_OF)
    assert not OutsideList.objects.exists()


def test_the_command_reads_a_list_and_says_what_it_found(tmp_path, county, registry, capsys):
    path = write_xlsx(
        tmp_path / "v.xlsx", ["姓名", "证件号码", "单位"], [["陈二", an_id(2), "县财政局"]]
    )
    call_command(
        "crosscheck_import", str(path), "--source", "payroll", "--county", "449901",
        "--as-of", "2026-11-30",
    )  # fmt: skip
    assert "1 matches" in capsys.readouterr().out
    assert OutsideList.objects.get().as_of == AS_OF
    with pytest.raises(CommandError, match="No list kind"):
        call_command("crosscheck_import", str(path), "--source", "cars", "--county", "449901")


class TestMatchingModel(TestCase):
    """Whatever the registry and the list: an excluding list finds exactly the current members
    of checked households of the county it names; an including list leads to exactly the
    people in no household."""

    @settings(max_examples=15, deadline=None)
    @given(
        statuses=st.lists(st.sampled_from(list(Household.Status.values)), min_size=1, max_size=5),
        listed=st.sets(st.integers(0, 14)),
        effect=st.sampled_from(["vehicle", "dibao"]),
    )
    def test_findings_are_exactly_the_expected_ones(self, statuses, listed, effect):
        county = AreaFactory(code="449901", level=Area.Level.COUNTY)
        village = AreaFactory(code="449901101201")
        people = {}  # id index → (household, person)
        for h, status in enumerate(statuses):
            household = HouseholdFactory(village=village, status=status)
            for k in range(2):
                n = 2 * h + k
                relation = {"relation": spouse()} if k else {}
                person = PersonFactory(household=household, id_number=an_id(n), **relation)
                people[n] = (household, person)
        with tempfile.TemporaryDirectory() as workdir:
            path = write_xlsx(
                Path(workdir) / "l.xlsx", ["姓名", "证件号码"], [["某", an_id(n)] for n in listed]
            )
            if listed:
                crosscheck_import(path, kind=kind(effect), county=county, as_of=AS_OF)
        checked = {Household.Status.REGISTERED, Household.Status.RETURNED, "identifying"}
        if effect == "vehicle":
            expected = {
                people[n][1].pk for n in listed if n in people and people[n][0].status in checked
            }
            assert set(Finding.objects.values_list("person", flat=True)) == expected
        else:
            expected = {an_id(n)[-2:] for n in listed if n not in people}
            found = Finding.objects.values_list("masked_id_number", flat=True)
            assert len(found) == len([n for n in listed if n not in people])
            assert {value[-2:] for value in found} <= expected


KINDS = ["vehicle", "property", "payroll", "company", "death", "dibao", "tekun", "disability",
         "low_income"]  # fmt: skip


@pytest.mark.parametrize("code", KINDS)
def test_every_list_kind_matches_as_its_effect_says(tmp_path, county, registry, code):
    """An excluding kind finds the registered member, an including kind leads to the person in
    no household: every seeded kind, one list each."""
    _registered, head, _candidate = registry
    path = write_xlsx(
        tmp_path / f"{code}.xlsx",
        ["姓名", "证件号码", "备注"],
        [["陈大", an_id(1), "甲"], ["某", an_id(9), "乙"]],
    )
    crosscheck_import(path, kind=kind(code), county=county, as_of=AS_OF)
    found = Finding.objects.get()
    if kind(code).effect == ListKind.Effect.EXCLUDING:
        assert (found.person, found.detail) == (head, "备注：甲")
    else:
        assert (found.person, found.masked_name, found.detail) == (None, "某", "")
    assert set(KINDS) == set(ListKind.objects.values_list("code", flat=True))
