"""The roster import on a registry that already holds data: every everyday change between two
rosters of a county is written, or reported by row with nothing written, and the preview is
the plan that the write carries out."""

from pathlib import Path

import pytest
from django.core.management import call_command

from households.models import Household, MemberChange, Person
from households.roster import roster_import
from teams.models import Area, User
from tests.households.rosters import (
    CHILD_ID,
    HEAD_ID,
    NUMBER,
    OTHER_NUMBER,
    SPOUSE_ID,
    create_county,
    family,
    id_number,
    person,
    write_roster,
)
from tests.households.test_import import counts, problems

pytestmark = pytest.mark.django_db

NEW_ID = id_number("19750505", "071")  # a man new to the registry
SECOND_NUMBER = "44990110120100002"


@pytest.fixture
def run(tmp_path):
    county = create_county()

    def run(rows, **kwargs):
        path = write_roster(tmp_path / "roster.xlsx", rows)
        return roster_import(path=path, county=county, **kwargs)

    return run


def registry():
    """The current members of each household: number → [(name, relation, is head)]."""
    found = {}
    for member in Person.objects.current().select_related("household", "relation"):
        found.setdefault(member.household.number, []).append(
            (member.name, member.relation.name, member.is_head)
        )
    return {number: sorted(members) for number, members in found.items()}


def entry(report, number):
    return next(entry for entry in report.entries if entry["number"] == number)


def test_a_head_replaced_by_a_new_person_with_the_old_head_left_out_is_reported(run):
    """The head has died and is left out; a new person is now 户主: record the death first."""
    run(family())
    before, was = counts(), registry()
    rows = family()[1:]
    rows.insert(0, person(name="张新", id_number=NEW_ID))
    report = run(rows)
    assert problems(report) == [
        (
            3,
            "与户主关系",
            f"户 {NUMBER} 登记的户主张大山不在本花名册中：请先在户页面登记其死亡或迁出，"
            "或在花名册中列出其与新户主的关系。",
        )
    ]
    assert not report.written and (counts(), registry()) == (before, was)


def test_a_head_replaced_by_a_new_person_with_the_old_head_listed_is_written(run):
    run(family())
    rows = family()
    rows[0] = person(name="张大山", id_number=HEAD_ID, relation="父亲")
    rows.append(person(name="张新", id_number=NEW_ID))
    report = run(rows)
    assert report.written and not report.problems
    assert registry() == {
        NUMBER: [
            ("张大山", "父亲", False),
            ("张小山", "子", False),
            ("张新", "户主", True),
            ("李小花", "配偶", False),
        ]
    }
    planned = entry(report, NUMBER)
    assert ["head", "张大山", "张新"] in planned["changes"]
    assert planned["in"] == [["张新", ""]]
    assert report.households.updated == 1


def test_a_head_replaced_by_an_existing_member_is_written(run):
    run(family())
    rows = family()
    rows[0] = person(name="张大山", id_number=HEAD_ID, relation="父亲")
    rows[2] = person(name="张小山", id_number=CHILD_ID)  # 户主 now, with the household fields
    report = run(rows)
    assert report.written and not report.problems
    assert registry()[NUMBER] == [
        ("张大山", "父亲", False),
        ("张小山", "户主", True),
        ("李小花", "配偶", False),
    ]
    assert ["head", "张大山", "张小山"] in entry(report, NUMBER)["changes"]
    person_history = Person.history.filter(id=Person.objects.with_id_number(CHILD_ID).get().pk)
    assert [h.relation.name for h in person_history.order_by("history_date")] == ["子", "户主"]


def test_a_head_replaced_by_an_existing_member_with_the_old_head_left_out_is_reported(run):
    run(family())
    before = counts()
    rows = [person(name="张小山", id_number=CHILD_ID), family()[1]]
    report = run(rows)
    assert [(p.row, p.column) for p in report.problems] == [(3, "与户主关系")]
    assert counts() == before and not report.written


def test_members_added_and_left_out_are_planned_and_left_out_ones_kept(run):
    run(family())
    newborn = id_number("20160101", "081")
    rows = [*family()[:2], person(name="张小宝", id_number=newborn, relation="孙子")]
    report = run(rows)
    assert report.written
    planned = entry(report, NUMBER)
    assert planned["in"] == [["张小宝", ""]] and planned["out"] == [["张小山", ""]]
    assert planned["warnings"] == []
    assert registry()[NUMBER] == [
        ("张大山", "户主", True),
        ("张小宝", "孙子", False),
        ("张小山", "子", False),
        ("李小花", "配偶", False),
    ]


def test_a_member_moved_to_another_household_of_the_file_is_moved_with_member_changes(run):
    run(family() + [person(OTHER_NUMBER, "王五", id_number("19700101", "051"), 行政村="新坑2村")])
    rows = family()[:2] + [
        person(OTHER_NUMBER, "王五", id_number("19700101", "051"), 行政村="新坑2村"),
        person(OTHER_NUMBER, "张小山", CHILD_ID, "女婿", 行政村="新坑2村"),
    ]
    report = run(rows)
    assert report.written and not report.problems
    assert registry()[OTHER_NUMBER] == [("张小山", "女婿", False), ("王五", "户主", True)]
    assert [name for name, *_ in registry()[NUMBER]] == ["张大山", "李小花"]
    assert entry(report, NUMBER)["out"] == [["张小山", OTHER_NUMBER]]
    assert entry(report, OTHER_NUMBER)["in"] == [["张小山", NUMBER]]
    changes = MemberChange.objects.order_by("household__number")
    assert [(c.household.number, c.kind) for c in changes] == [
        (NUMBER, MemberChange.Kind.OTHER),
        (OTHER_NUMBER, MemberChange.Kind.OTHER),
    ]
    assert report.missing == []


def test_a_household_split_in_two_is_written_as_a_split(run):
    """The son leaves with his own household: a new household of the file, headed by him."""
    run(family())
    rows = family()[:2] + [person(SECOND_NUMBER, "张小山", CHILD_ID)]
    report = run(rows)
    assert report.written and not report.problems
    assert registry()[SECOND_NUMBER] == [("张小山", "户主", True)]
    assert Household.objects.get(number=SECOND_NUMBER).persons.count() == 1
    assert set(MemberChange.objects.values_list("kind", flat=True)) == {MemberChange.Kind.SPLIT}
    assert entry(report, SECOND_NUMBER) == {"number": SECOND_NUMBER, "new": True, "persons": 1}


def test_a_split_taking_the_head_leaves_a_new_head_behind(run):
    run(family())
    rows = [
        person(NUMBER, "李小花", SPOUSE_ID),  # 户主 of the old household now
        person(NUMBER, "张小山", CHILD_ID, "子"),
        person(SECOND_NUMBER, "张大山", HEAD_ID),  # the old head heads the new household
    ]
    report = run(rows)
    assert report.written and not report.problems
    assert registry() == {
        NUMBER: [("张小山", "子", False), ("李小花", "户主", True)],
        SECOND_NUMBER: [("张大山", "户主", True)],
    }


def test_a_head_moved_out_of_a_household_the_file_does_not_list_is_reported(run):
    run(family())
    before = counts()
    report = run([person(SECOND_NUMBER, "张大山", HEAD_ID)])
    assert [(p.row, p.column) for p in report.problems] == [(3, "与户主关系")]
    assert f"户 {NUMBER}" in report.problems[0].message
    assert counts() == before


def test_all_members_replaced_is_a_warning(run):
    run(family())
    rows = [
        person(name="张新", id_number=NEW_ID),
        person(name="张大山", id_number=HEAD_ID, relation="父亲"),
    ]
    rows[1]["户编号"] = SECOND_NUMBER
    rows[1]["与户主关系"] = "户主"
    rows[1].update({"贫困户属性": "一般贫困户", "主要致贫原因": "因病"})
    report = run(rows, dry_run=True)
    assert not report.problems
    assert entry(report, NUMBER)["warnings"] == ["all_members_replaced"]


def test_corrected_names_relations_and_references_are_planned_per_person(run):
    run(family())
    rows = family()
    rows[1].update({"姓名": "李小华", "与户主关系": "母亲", "民族": "壮族"})
    report = run(rows)
    assert report.written
    assert sorted(entry(report, NUMBER)["changes"]) == [
        ["ethnicity_id", "汉族", "壮族", "李小华"],
        ["name", "李小花", "李小华", "李小华"],
        ["relation_id", "配偶", "母亲", "李小华"],
    ]
    assert registry()[NUMBER][-1] == ("李小华", "母亲", False)


def test_household_field_changes_are_planned_old_to_new_with_masked_phones(run):
    run(family(联系电话="13800138000"))
    report = run(family(联系电话="13900139000", 贫困户属性="低保贫困户"), dry_run=True)
    assert sorted(entry(report, NUMBER)["changes"]) == [
        ["attribute_id", "一般贫困户", "低保贫困户"],
        ["phone", "138****8000", "139****9000"],
    ]


def test_what_was_previewed_is_what_is_written(run):
    run(family())
    rows = family(贫困户属性="低保贫困户")
    preview = run(rows, dry_run=True)
    assert run(rows, dry_run=True).digest == preview.digest  # the same plan, the same digest
    Household.objects.update(phone="13700137000")  # someone edits the household meanwhile
    # The registry changed since the preview: the write refuses the plan it did not preview.
    before = counts()
    report = run(rows, expected_digest=preview.digest)
    assert report.stale and not report.written and counts() == before
    fresh = run(rows, dry_run=True)
    assert run(rows, expected_digest=fresh.digest).written


def test_the_shared_sample_into_the_demo_county_is_reported_by_row_and_writes_nothing():
    """After `make run`, a county officer uploads the shared sample: some of the demo county's
    households have the sample's numbers and other heads. Each is reported on its row, with
    what to do, and nothing is written (it was a 500)."""
    call_command("seed_demo", verbosity=0)
    county = Area.objects.get(code="449901")
    sample = Path(__file__).resolve().parent / "roster-sample.xlsx"
    before, was = counts(), registry()
    report = roster_import(path=sample, county=county, user=User.objects.get(username="county"))
    assert report.problems and not report.written
    for problem in report.problems:
        assert problem.row and problem.column == "与户主关系"
        assert "登记的户主" in problem.message and "请先在户页面登记其死亡或迁出" in problem.message
    assert (counts(), registry()) == (before, was)


def test_the_shared_sample_into_an_empty_county_imports_whole(tmp_path):
    call_command(
        "load_areas", str(Path(__file__).resolve().parents[1] / "teams" / "areas-sample.csv")
    )
    sample = Path(__file__).resolve().parent / "roster-sample.xlsx"
    report = roster_import(path=sample, county=Area.objects.get(code="449901"))
    assert report.written and not report.problems
    assert report.households.new == Household.objects.count() > 0
    assert report.persons.new == Person.objects.count() == report.row_count
