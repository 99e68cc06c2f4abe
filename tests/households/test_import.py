"""The roster import service and command: every validation rule, repairs, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from households.models import CadreAssignment, Household, Person, StatusChange
from households.roster import roster_import
from teams.models import Area, User
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.households.rosters import (
    CHILD_ID,
    HEAD_ID,
    HEADER,
    NUMBER,
    OTHER_NUMBER,
    SPOUSE_ID,
    create_county,
    family,
    id_number,
    person,
    write_roster,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(db):
    return create_county()


@pytest.fixture
def run(tmp_path, county):
    def run(rows, user=None, dry_run=False, **kwargs):
        path = write_roster(tmp_path / "roster.xlsx", rows, **kwargs)
        return roster_import(path=path, county=county, user=user, dry_run=dry_run)

    return run


def problems(report):
    return [(p.row, p.column, p.message) for p in report.problems]


def counts():
    return (
        Household.objects.count(),
        Person.objects.count(),
        Household.history.count(),
        Person.history.count(),
        StatusChange.objects.count(),
    )


def test_import_registers_households_and_persons_with_history(run):
    report = run(family(其他致贫原因="缺水、因残", 联系电话="13800138000"))
    assert report.written
    assert not report.problems
    assert (report.households.new, report.persons.new) == (1, 3)
    household = Household.objects.get(number=NUMBER)
    assert household.status == Household.Status.REGISTERED
    assert household.village_id == "449901101201"
    assert household.attribute.name == "一般贫困户"
    assert household.main_cause.name == "因病"
    assert sorted(c.name for c in household.other_causes.all()) == ["因残", "缺水"]
    assert household.phone == "13800138000"
    assert household.head.name == "张大山"
    assert household.status_changes.get().new_status == Household.Status.REGISTERED
    spouse = Person.objects.with_id_number(SPOUSE_ID).get()
    assert (spouse.sex, str(spouse.birth_date), spouse.is_head) == ("F", "1962-02-02", False)
    assert spouse.relation.name == "配偶"
    assert spouse.ethnicity.name == "汉族"
    assert Person.history.filter(history_type="+").count() == 3
    assert Household.history.get().history_change_reason == "花名册导入"


def test_reimporting_the_same_roster_changes_nothing(run):
    run(family())
    before = counts()
    report = run(family())
    assert report.written
    assert (report.households.unchanged, report.persons.unchanged) == (1, 3)
    assert (report.households.new, report.persons.new, report.persons.updated) == (0, 0, 0)
    assert counts() == before


def test_reimport_updates_changes_and_reports_missing_members_without_deleting(run):
    run(family())
    rows = family(贫困户属性="低保贫困户")[:2]
    rows[1]["姓名"] = "李小华"
    report = run(rows)
    assert (report.households.updated, report.persons.updated, report.persons.unchanged) == (
        1,
        1,
        1,
    )
    assert report.missing == [(NUMBER, "张小山", "*" * 16 + CHILD_ID[-2:])]
    assert Household.objects.get().attribute.name == "低保贫困户"
    assert Person.objects.count() == 3
    assert Person.objects.with_id_number(SPOUSE_ID).get().name == "李小华"
    assert Household.history.filter(history_type="~").count() == 1


def test_dry_run_plans_without_writing(run):
    report = run(family(), dry_run=True)
    assert report.households.new == 1
    assert not report.written
    assert counts() == (0, 0, 0, 0, 0)


def test_synonyms_map_to_reference_items(run):
    rows = family(贫困户属性="五保户", 主要致贫原因="因病致贫", 劳动能力="无劳力")
    rows[1]["与户主关系"] = "妻子"
    run(rows)
    household = Household.objects.get()
    assert household.attribute.name == "特困供养贫困户"
    assert household.main_cause.name == "因病"
    assert household.ability.name == "无劳动能力"
    assert Person.objects.with_id_number(SPOUSE_ID).get().relation.name == "配偶"


def test_damaged_values_are_repaired_and_counted(run):
    first17 = "44990119720506123"
    lowercase = id_number("19720506", "123")
    assert lowercase[:17] == first17
    old_style = "449901" + "750607" + "045"  # a 15-digit first-generation number
    rows = [
        person(
            姓名="  张大山 ",
            联系电话=13800138000.0,
            证件号码="４４９９０１１９６００１０１０１１" + HEAD_ID[-1],
        ),
        person(NUMBER, "李小花", old_style, "配偶"),
    ]
    report = run(rows)
    assert report.written, problems(report)
    assert report.repairs["spaces"] == 1
    assert report.repairs["full_width"] == 1
    assert report.repairs["upgraded_15"] == 1
    assert report.repairs["phone_number"] == 1
    assert Household.objects.get().phone == "13800138000"
    assert Person.objects.with_id_number(HEAD_ID).get().name == "张大山"
    assert (
        Person.objects.with_id_number("449901197506070457").exists()
        or Person.objects.filter(birth_date="1975-06-07").exists()
    )


def test_lowercase_x_is_repaired(run):
    value = next(
        id_number("19800101", f"{n:03d}")
        for n in range(1000)
        if id_number("19800101", f"{n:03d}").endswith("X")
    )
    report = run([person(证件号码=value.lower())])
    assert report.repairs["lowercase_x"] == 1
    assert Person.objects.with_id_number(value).exists()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "缺少证件号码"),
        ("12345", "18位"),
        (HEAD_ID[:17] + str((int(HEAD_ID[17]) + 1) % 10) if HEAD_ID[17] != "X" else "0", "校验码"),
        (449901196001010110.0, "文本"),
    ],
)
def test_import_rejects_missing_and_malformed_id_numbers(run, value, fragment):
    report = run([person(证件号码=value)])
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert (problem.row, problem.column) == (3, "证件号码")
    assert fragment in problem.message
    assert counts() == (0, 0, 0, 0, 0)


def test_import_rejects_duplicate_id_numbers_naming_both_rows(run):
    rows = family()
    rows[2]["证件号码"] = SPOUSE_ID
    report = run(rows)
    assert problems(report) == [
        (4, "证件号码", "同一证件号码也出现在第 5 行。"),
        (5, "证件号码", "同一证件号码也出现在第 4 行。"),
    ]


def test_a_repeated_id_number_is_reported_on_both_rows_beside_their_other_problems(run):
    rows = [*family(), person(NUMBER, "张三", CHILD_ID, "子")]
    rows[2]["性别"] = "女"  # row 5: CHILD_ID is a man's
    rows[3]["性别"] = "女"  # row 6 repeats row 5's ID number, with the same wrong sex
    report = run(rows)
    assert problems(report) == [
        (5, "性别", "性别与证件号码不符，请核对。"),
        (5, "证件号码", "同一证件号码也出现在第 6 行。"),
        (6, "性别", "性别与证件号码不符，请核对。"),
        (6, "证件号码", "同一证件号码也出现在第 5 行。"),
    ]
    assert counts() == (0, 0, 0, 0, 0)


def test_import_rejects_an_id_number_of_another_county(run):
    other_county = HouseholdFactory(village=Area.objects.get(code="449902101201"))
    PersonFactory(household=other_county, id_number=SPOUSE_ID)
    before = counts()
    report = run(family())
    assert problems(report) == [(4, "证件号码", "该证件号码已属于其他县的贫困户。")]
    assert counts() == before


def test_import_rejects_households_without_a_head_or_with_two(run):
    rows = [*family()[1:], person(OTHER_NUMBER, 行政村="新坑2村")]
    rows.append(person(OTHER_NUMBER, "张二", id_number("19700101", "051"), 行政村="新坑2村"))
    report = run(rows)
    assert problems(report) == [
        (3, "与户主关系", f"户 {NUMBER} 没有户主。"),
        (6, "与户主关系", f"户 {OTHER_NUMBER} 有多个户主：第 5、6 行。"),
    ]


def test_import_rejects_unknown_townships_and_villages(run):
    report = run(
        [
            person(乡镇="不存在镇"),
            person(OTHER_NUMBER, "王五", SPOUSE_ID, 行政村="不存在村"),
        ]
    )
    assert problems(report) == [
        (3, "乡镇", "示例县没有这个乡镇。"),
        (4, "行政村", "示例东1镇没有这个行政村。也可以用12位的“村代码”列代替乡镇和行政村名称。"),
    ]


def test_import_reads_the_village_code_in_place_of_names(run, tmp_path):
    header = [name for name in HEADER if name not in ("乡镇", "行政村")] + ["村代码"]
    report = run([person(村代码="449901101201")], header=header)
    assert report.written
    report = run([person(OTHER_NUMBER, 村代码="449902101201")], header=header)
    assert problems(report) == [(3, "村代码", "示例县没有这个行政村。")]


def test_household_number_must_start_with_the_village_code(run):
    report = run([person("44990110220100001")])
    assert problems(report) == [(3, "户编号", "户编号应以村代码 449901101201 开头。")]


def test_household_numbers_take_ascii_digits_only(run):
    arabic_indic = "".join(chr(0x660 + int(digit)) for digit in NUMBER)
    report = run([person(arabic_indic)])
    assert problems(report) == [(3, "户编号", "户编号必须是 17 位数字。")]
    assert Household.objects.count() == 0


def test_import_rejects_unknown_reference_values(run):
    report = run([person(民族="火星族", 其他致贫原因="因病、懒惰")])
    assert [(p.column, p.value) for p in report.problems] == [
        ("民族", "火星族"),
        ("其他致贫原因", "懒惰"),
    ]
    assert "不在参考列表中" in report.problems[0].message


def test_import_requires_household_fields_on_the_heads_row(run):
    report = run([person(主要致贫原因="", 贫困户属性="")])
    assert [(p.column, p.message) for p in report.problems] == [
        ("贫困户属性", "必须填写。"),
        ("主要致贫原因", "必须填写。"),
    ]


def test_import_rejects_a_sex_that_contradicts_the_id_number(run):
    report = run([person(性别="女")])
    assert problems(report) == [(3, "性别", "性别与证件号码不符，请核对。")]


def test_import_rejects_villages_outside_the_users_scope(run, county):
    west_officer = UserFactory(role=User.Role.COUNTY, area_id="449901102")
    report = run(family(), user=west_officer)
    assert (report.problems[0].column, report.problems[0].message) == (
        "行政村",
        "该行政村不在您的管辖范围内。",
    )


def test_contact_cadre_must_be_a_current_member_of_the_township_team(run):
    report = run([person(帮扶责任人="不认识")])
    assert problems(report) == [(3, "帮扶责任人", "不认识不是该乡镇帮扶工作组的在职成员。")]
    report = run([person(帮扶责任人="王干部")])
    household = Household.objects.get()
    assert household.contact_cadre.name == "王干部"
    assert CadreAssignment.objects.get(household=household, end=None).cadre.name == "王干部"


def test_every_problem_is_reported_and_nothing_is_written(run):
    run(family())
    before = counts()
    rows = [
        *family(贫困户属性="低保贫困户"),
        person(OTHER_NUMBER, "王五", id_number("19700101", "071"), 行政村="新坑2村"),
        person(OTHER_NUMBER, "王六", "123", "子"),
    ]
    rows[1]["民族"] = "火星族"
    report = run(rows)
    assert [p.row for p in report.problems] == [4, 7]
    assert counts() == before
    assert Household.objects.get().attribute.name == "一般贫困户"


def test_header_is_found_by_names_in_any_order_with_aliases(run):
    header = [
        "备注",
        "身份证号",
        "姓  名",
        "户号",
        "村",
        "镇",
        "与户主关系",
        "贫困户属性",
        "主要致贫原因",
    ]
    rows = [
        {
            **row,
            "身份证号": row["证件号码"],
            "姓  名": row["姓名"],
            "户号": row["户编号"],
            "村": row["行政村"],
            "镇": row["乡镇"],
            "备注": "x",
        }
        for row in family()
    ]
    report = run(rows, header=header, title="")
    assert report.written, problems(report)
    assert report.ignored_columns == ["备注"]
    assert Person.objects.count() == 3


def test_missing_required_columns_are_reported(run):
    report = run(family(), header=["户编号", "姓名", "证件号码", "与户主关系"])
    assert problems(report) == [(None, "贫困户属性、主要致贫原因、乡镇、行政村", "缺少必需的列。")]


def test_command_imports_and_prints_a_summary(tmp_path, county, capsys):
    path = write_roster(tmp_path / "roster.xlsx", family())
    call_command("import_roster", str(path), "--county", "449901", "--dry-run")
    assert Household.objects.count() == 0
    call_command("import_roster", str(path), "--county", "449901")
    out = capsys.readouterr().out
    assert "1 new" in out
    assert "3 new" in out
    assert Person.objects.count() == 3


def test_command_exits_non_zero_printing_every_error_with_its_row(tmp_path, county, capsys):
    rows = family()
    rows[1]["证件号码"] = "123"
    rows[2]["民族"] = "火星族"
    path = write_roster(tmp_path / "roster.xlsx", rows)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_roster", str(path), "--county", "449901")
    err = capsys.readouterr().err
    assert "row 4, 证件号码 “123”" in err
    assert "row 5, 民族 “火星族”" in err
    assert Person.objects.count() == 0


def test_command_refuses_an_unknown_county(tmp_path, county):
    path = write_roster(tmp_path / "roster.xlsx", family())
    with pytest.raises(CommandError, match="No county"):
        call_command("import_roster", str(path), "--county", "449999")


def test_the_stored_report_masks_id_numbers_and_phones_even_when_they_are_wrong(run):
    """The report is kept with the job (and in every backup): a number one digit off is still
    a person's number."""
    typo = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")  # a wrong check character
    rows = family(联系电话="1380013800x")
    rows[0]["证件号码"] = typo
    report = run(rows)
    stored = str([problem.as_dict() for problem in report.problems])
    assert typo not in stored
    assert HEAD_ID[:17] not in stored
    assert "1380013800x" not in stored
    assert {p.column for p in report.problems} == {"证件号码", "联系电话"}
    assert "*" * 16 + typo[-2:] in stored


def test_a_member_left_out_and_kept_is_no_change_of_the_household(run):
    """A member the roster leaves out stays registered (see above): the household is
    unchanged, and the member is listed once, under the members not in the file."""
    run(family())
    report = run(family()[:2], dry_run=True)
    assert (report.households.updated, report.households.unchanged) == (0, 1)
    assert report.entries == []
    assert report.missing == [(NUMBER, "张小山", "*" * 16 + CHILD_ID[-2:])]
