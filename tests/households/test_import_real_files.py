"""The files county offices really have: .xls, .ods and .csv written by LibreOffice itself
(`soffice --headless --convert-to`, installed by `make test`), sheets whose range runs to the
last row or column because of one stray space, notes sheets and one sheet per township,
totals and signature rows, marked and annotated headers, apostrophes, zero-width spaces,
15-digit ID numbers stored as numbers, hidden rows, short village names."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from households.idnumber import check_character
from households.models import Household, Person
from households.roster import roster_import
from households.roster.reading import FAR_CELL, RosterRefused
from teams.models import Area
from tests.households.rosters import (
    CHILD_ID,
    HEAD_ID,
    HEADER,
    NUMBER,
    SPOUSE_ID,
    create_county,
    family,
    id_number,
    person,
    write_roster,
)
from tests.households.test_import import counts

pytestmark = pytest.mark.django_db


def libreoffice(directory, target, *sources):
    """Convert ``sources`` with LibreOffice's own filters (``target``: an extension, or an
    extension and filter options); returns the converted paths in order."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is missing: `make test` installs libreoffice-calc-nogui")
    profile = f"file://{directory}/profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(directory / "out"),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    extension = target.split(":")[0]
    return [directory / "out" / f"{Path(source).stem}.{extension}" for source in sources]


@pytest.fixture
def county(db):
    return create_county()


def imported(path, county, **kwargs):
    report = roster_import(path=path, county=county, **kwargs)
    assert not report.problems, report.problems
    return report


def registry():
    return sorted(
        (p.household.number, p.name, p.id_number, p.relation.name, p.ethnicity.name)
        for p in Person.objects.select_related("household", "relation", "ethnicity")
    )


EXPECTED = sorted(
    [
        (NUMBER, "张大山", HEAD_ID, "户主", "汉族"),
        (NUMBER, "李小花", SPOUSE_ID, "配偶", "汉族"),
        (NUMBER, "张小山", CHILD_ID, "子", "汉族"),
    ]
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The family as LibreOffice writes it: .xls (BIFF8), .ods, and CSV in UTF-8 and GB18030."""
    directory = tmp_path_factory.mktemp("libreoffice")
    source = write_roster(directory / "family.xlsx", family(联系电话="13800138000"))
    [xls] = libreoffice(directory, "xls", source)
    [ods] = libreoffice(directory, "ods", source)
    [utf8] = libreoffice(directory, "csv:Text - txt - csv (StarCalc):44,34,76", source)
    utf8 = utf8.rename(directory / "family-utf8.csv")
    [gb] = libreoffice(directory, "csv:Text - txt - csv (StarCalc):44,34,85", source)
    gb = gb.rename(directory / "family-gb18030.csv")
    bom = directory / "family-bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + utf8.read_bytes())  # Excel's "CSV UTF-8"
    return {"xls": xls, "ods": ods, "utf8": utf8, "gb18030": gb, "bom": bom}


@pytest.mark.parametrize("kind", ["xls", "ods", "utf8", "gb18030", "bom"])
def test_files_written_by_libreoffice_import_like_the_xlsx(converted, county, kind):
    path = converted[kind]
    if kind == "gb18030":
        assert "户编号".encode("gb18030") in path.read_bytes()  # really GB18030, not UTF-8
    report = imported(path, county)
    assert report.written
    assert (report.households.new, report.persons.new) == (1, 3)
    assert registry() == EXPECTED
    assert Household.objects.get().phone == "13800138000"
    # Imported again, the same file changes nothing.
    again = imported(path, county)
    assert (again.households.unchanged, again.persons.unchanged) == (1, 3)


def read_in_a_child(path):
    """Read the roster at ``path`` in another process limited to 1 GB of address space (a
    reader that tries to hold the whole sheet range fails there instead of taking the
    machine); returns what it printed: its row count, or the refusal."""
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
        "import django; django.setup();"
        "from households.roster.reading import RosterFile, RosterRefused\n"
        "try:\n"
        "    with RosterFile(sys.argv[1]) as f: print(sum(1 for _ in f.rows()))\n"
        "except RosterRefused as e: print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",  # the development defaults: the child reads no database
        },
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.fixture(scope="module")
def stray(tmp_path_factory):
    """The family with one space in the sheet's last cell (XFD1048576), as Excel saves it,
    and the same sheet saved by LibreOffice as .ods."""
    directory = tmp_path_factory.mktemp("stray")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in family():
        sheet.append([row.get(name, "") for name in HEADER])
    corner = directory / "corner.xlsx"
    sheet["XFD1048576"] = " "
    workbook.save(corner)
    sheet["XFD1048576"] = None
    last_row = directory / "last-row.xlsx"
    sheet["A1048576"] = " "
    workbook.save(last_row)
    [ods] = libreoffice(directory, "ods", last_row)
    value = directory / "far-value.xlsx"
    sheet["A1048576"] = "备注"
    workbook.save(value)
    return {"corner": corner, "last_row": last_row, "ods": ods, "value": value}


@pytest.mark.parametrize("kind", ["corner", "last_row", "ods"])
def test_a_stray_space_at_the_end_of_the_sheet_is_read_in_bounded_memory(stray, county, kind):
    assert read_in_a_child(stray[kind]) == "3"  # the three persons under the header
    imported(stray[kind], county)
    assert registry() == EXPECTED


def test_a_value_far_outside_the_roster_is_refused_by_its_cell(stray, county):
    assert "A1048576" in read_in_a_child(stray["value"])
    with pytest.raises(RosterRefused, match="A1048576"):
        roster_import(path=stray["value"], county=county)
    assert counts() == (0, 0, 0, 0, 0)


def column_letters(number):
    """Excel's column name of the 1-based column ``number``: 1 → A, 27 → AA, 16384 → XFD."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@given(st.integers(1, 16384), st.integers(1, 1_048_576))
@example(702, 199_999)  # ZZ199999: the farthest cell that is still near
@example(703, 1)  # AAA1
@example(1, 200_000)
def test_a_cell_is_far_from_column_aaa_or_row_200000(column, row):
    """The rule of the scan before calamine reads a sheet (`reading.FAR_CELL`), for any cell
    of a sheet: a far cell makes the import read a bounded copy of the sheet."""
    cell = f'<c r="{column_letters(column)}{row}" t="s"><v>0</v></c>'.encode()
    assert bool(FAR_CELL.search(cell)) == (column >= 703 or row >= 200_000)


def sheet_rows(sheet, rows, header=HEADER):
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])


@pytest.fixture
def townships(tmp_path):
    """A notes sheet, then one sheet per township with the same header in another order."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "填表说明"
    notes.append(["1. 每人一行；户主行填写户信息。"])
    notes.append(["2. 证件号码请设为文本格式。"])
    sheet_rows(workbook.create_sheet("示例东1镇"), family())
    west = [
        person(
            "44990110220100001",
            "王五",
            id_number("19700101", "051"),
            乡镇="示例西2镇",
            行政村="石坑1村",
        )
    ]
    sheet_rows(workbook.create_sheet("示例西2镇"), west, header=list(reversed(HEADER)))
    path = tmp_path / "townships.xlsx"
    workbook.save(path)
    return path


def test_every_data_sheet_is_read_and_problems_name_their_sheet(townships, county, tmp_path):
    report = imported(townships, county)
    assert report.sheets == ["示例东1镇", "示例西2镇"]
    assert report.households.new == 2
    assert report.persons.new == 4
    [xls] = libreoffice(tmp_path, "xls", townships)  # WPS and old Excel: .xls, several sheets
    Person.objects.all().delete()
    Household.objects.all().delete()
    bad = roster_import(path=xls, county=Area.objects.get(code="449901"), dry_run=True)
    assert bad.sheets == ["示例东1镇", "示例西2镇"]
    assert not bad.problems


def test_a_problem_in_the_second_sheet_names_the_sheet(tmp_path, county):
    workbook = Workbook()
    sheet_rows(workbook.active, family())
    workbook.active.title = "东"
    sheet_rows(
        workbook.create_sheet("西"),
        [person("44990110220100001", "王五", SPOUSE_ID, 乡镇="示例西2镇", 行政村="石坑1村")],
    )
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    report = roster_import(path=path, county=county)
    assert [(p.sheet, p.row) for p in report.problems] == [("东", 3), ("西", 2)]
    assert report.problems[0].message == "同一证件号码也出现在第 2（西） 行。"


def test_sheets_with_different_columns_are_refused_by_name(tmp_path, county):
    workbook = Workbook()
    sheet_rows(workbook.active, family())
    sheet_rows(workbook.create_sheet("二"), family(), header=HEADER[:-2])
    path = tmp_path / "mixed.xlsx"
    workbook.save(path)
    with pytest.raises(RosterRefused, match="二"):
        roster_import(path=path, county=county)


@pytest.fixture
def messy(tmp_path):
    """A roster as offices fill it: marked and annotated headers, a title, text with a typed
    apostrophe and zero-width spaces, the header repeated for printing, a hidden row, a 15-digit
    ID number stored as a number, then totals and signatures."""
    header = ["*户编号", "乡镇", "行政村", "*姓名", "证件号码（身份证号）", "与户主关系", "民族"]
    header += ["贫困户属性", "劳动能力", "主要致贫原因", "联系电话"]
    rows = family(联系电话="13800138000")
    rows[1]["姓名"] = "'李小花"
    rows[2]["姓名"] = "张\u200b小山\u200b"
    old = person("44990110120100002", "刘老", 449901400101001)  # 15 digits, a number
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["示例县建档立卡贫困人口花名册"])
    sheet.append(header)
    plain = [name.lstrip("*").split("（")[0] for name in header]
    for row in rows[:2]:
        sheet.append([row.get(name, "") for name in plain])
    sheet.append(header)  # repeated on the next printed page
    sheet.append([rows[2].get(name, "") for name in plain])
    sheet.append([old.get(name, "") for name in plain])
    sheet.row_dimensions[7].hidden = True
    sheet.append(["合计", "", "", "4人"])
    sheet.append(["填表人：王干部", "", "", "审核人：李主任"])
    path = tmp_path / "messy.xlsx"
    workbook.save(path)
    return path


def test_a_roster_as_offices_fill_it_is_read_and_its_repairs_counted(messy, county):
    report = imported(messy, county)
    assert report.written
    assert report.persons.new == 4
    names = set(Person.objects.values_list("name", flat=True))
    assert names == {"张大山", "李小花", "张小山", "刘老"}
    upgraded = "44990119400101001" + check_character("44990119400101001")
    assert Person.objects.with_id_number(upgraded).exists()  # exact, and upgraded to 18
    assert report.repairs["apostrophe"] == 1
    assert report.repairs["invisible"] == 1
    assert report.repairs["number_15"] == 1
    assert report.skipped == {"repeated_header": 1, "footer": 2}
    assert report.hidden_rows == ["7"]


def test_the_same_roster_through_xls_counts_the_same(messy, county, tmp_path):
    [xls] = libreoffice(tmp_path, "xls", messy)
    report = imported(xls, county)
    assert report.persons.new == 4
    assert report.skipped == {"repeated_header": 1, "footer": 2}


def test_short_village_names_match_registered_ones_and_unknown_ones_get_suggestions(
    tmp_path, county
):
    Area.objects.filter(code="449901101201").update(name="石塘1村民委员会")
    Area.objects.filter(code="449901101202").update(name="新坑2村委会")
    report = imported(write_roster(tmp_path / "r.xlsx", family()), county)
    assert report.written
    rows = [person(行政村="石塘一村")]
    report = roster_import(path=write_roster(tmp_path / "s.xlsx", rows), county=county)
    [problem] = report.problems
    assert "石塘1村民委员会" in problem.message
    assert "村代码" in problem.message


def test_the_registration_date_column_sets_the_date(tmp_path, county):
    path = write_roster(
        tmp_path / "r.xlsx", family(建档日期="2016/5/1"), header=[*HEADER, "建档日期"]
    )
    report = imported(path, county)
    household = Household.objects.get()
    assert str(household.registered_on) == "2016-05-01"
    assert report.warnings == []
    assert str(household.status_changes.get().date) == "2016-05-01"
    path = write_roster(
        tmp_path / "s.xlsx", family(建档日期="2099-01-01"), header=[*HEADER, "建档日期"]
    )
    assert [p.message for p in roster_import(path=path, county=county).problems] == [
        "日期晚于今天。"
    ]


def test_without_the_registration_date_the_preview_says_today_is_used(tmp_path, county):
    path = write_roster(tmp_path / "r.xlsx", family())
    report = roster_import(path=path, county=county, dry_run=True)
    assert report.warnings == [["registered_today", str(timezone.localdate())]]


def test_every_accepted_value_round_trips_through_the_export(tmp_path, county):
    """+86 13800138000 comes back as it was written, not as '+86 13800138000."""
    rows = family(联系电话="+86 13800138000", 建档日期="2016-05-01")
    imported(write_roster(tmp_path / "r.xlsx", rows, header=[*HEADER, "建档日期"]), county)
    exported = tmp_path / "export.xlsx"
    call_command("export_roster", county="449901", output=str(exported), full=True)
    phone = load_workbook(exported).active["S3"]
    assert phone.value == "+86 13800138000"
    assert phone.quotePrefix
    report = imported(exported, county)
    assert (report.households.unchanged, report.persons.unchanged) == (1, 3)
    assert report.entries == []
    assert Household.objects.get().phone == "+86 13800138000"


def test_a_blank_registration_date_keeps_the_recorded_one(tmp_path, county):
    """A candidate still being identified came back from its county's own export registered
    today: its blank 建档日期 cell was read as today."""
    imported(write_roster(tmp_path / "r.xlsx", family()), county)
    Household.objects.update(registered_on=None, status=Household.Status.IDENTIFYING)
    exported = tmp_path / "export.xlsx"
    call_command("export_roster", county="449901", output=str(exported), full=True)
    report = imported(exported, county)
    assert report.households.unchanged == 1
    assert Household.objects.get().registered_on is None
