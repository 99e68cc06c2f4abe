"""The roster import on a registry that already holds data: every everyday change between two
rosters of a county is written, or reported by row with nothing written, and the preview is
the plan that the write carries out."""

import copy
import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

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
from tests.households.rosters import person as rosters_person
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
    assert not report.written
    assert (counts(), registry()) == (before, was)


def test_a_head_replaced_by_a_new_person_with_the_old_head_listed_is_written(run):
    run(family())
    rows = family()
    rows[0] = person(name="张大山", id_number=HEAD_ID, relation="父亲")
    rows.append(person(name="张新", id_number=NEW_ID))
    report = run(rows)
    assert report.written
    assert not report.problems
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
    assert report.written
    assert not report.problems
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
    assert counts() == before
    assert not report.written


def test_members_added_and_left_out_are_planned_and_left_out_ones_kept(run):
    run(family())
    newborn = id_number("20160101", "081")
    rows = [*family()[:2], person(name="张小宝", id_number=newborn, relation="孙子")]
    report = run(rows)
    assert report.written
    planned = entry(report, NUMBER)
    assert planned["in"] == [["张小宝", ""]]
    assert planned["out"] == [["张小山", ""]]
    assert planned["warnings"] == []
    assert registry()[NUMBER] == [
        ("张大山", "户主", True),
        ("张小宝", "孙子", False),
        ("张小山", "子", False),
        ("李小花", "配偶", False),
    ]


def test_a_member_moved_to_another_household_of_the_file_is_moved_with_member_changes(run):
    run([*family(), person(OTHER_NUMBER, "王五", id_number("19700101", "051"), 行政村="新坑2村")])
    rows = [
        *family()[:2],
        person(OTHER_NUMBER, "王五", id_number("19700101", "051"), 行政村="新坑2村"),
        person(OTHER_NUMBER, "张小山", CHILD_ID, "女婿", 行政村="新坑2村"),
    ]
    report = run(rows)
    assert report.written
    assert not report.problems
    assert registry()[OTHER_NUMBER] == [("张小山", "女婿", False), ("王五", "户主", True)]
    assert [name for name, *_ in registry()[NUMBER]] == ["张大山", "李小花"]
    assert entry(report, NUMBER)["out"] == [["张小山", OTHER_NUMBER]]
    assert entry(report, OTHER_NUMBER)["in"] == [["张小山", NUMBER]]
    changes = MemberChange.objects.order_by("household__number")
    assert [(c.household.number, c.kind) for c in changes] == [
        (NUMBER, MemberChange.Kind.MOVED_OUT),
        (OTHER_NUMBER, MemberChange.Kind.MOVED_IN),
    ]
    # The old household keeps its record of him, left today; the new one continues it.
    old, new = (change.person for change in changes)
    assert (old.household.number, old.left_on, new.came_from) == (NUMBER, timezone.localdate(), old)
    assert changes[0].destination_id == OTHER_NUMBER[:12]
    assert report.missing == []


def test_a_household_split_in_two_is_written_as_a_split(run):
    """The son leaves with his own household: a new household of the file, headed by him."""
    run(family())
    rows = [*family()[:2], person(SECOND_NUMBER, "张小山", CHILD_ID)]
    report = run(rows)
    assert report.written
    assert not report.problems
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
    assert report.written
    assert not report.problems
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
    assert report.stale
    assert not report.written
    assert counts() == before
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
    assert report.problems
    assert not report.written
    for problem in report.problems:
        assert problem.row
        assert problem.column == "与户主关系"
        assert "登记的户主" in problem.message
        assert "请先在户页面登记其死亡或迁出" in problem.message
    assert (counts(), registry()) == (before, was)


def test_the_shared_sample_into_an_empty_county_imports_whole(tmp_path):
    call_command(
        "load_areas", str(Path(__file__).resolve().parents[1] / "teams" / "areas-sample.csv")
    )
    sample = Path(__file__).resolve().parent / "roster-sample.xlsx"
    report = roster_import(path=sample, county=Area.objects.get(code="449901"))
    assert report.written
    assert not report.problems
    assert report.households.new == Household.objects.count() > 0
    assert report.persons.new == Person.objects.count() == report.row_count


# The model-based test ---------------------------------------------------------------------------

VILLAGE = "449901101201"
RELATIONS = ["配偶", "子", "女", "孙子", "孙女", "母亲", "儿媳"]
ETHNICITIES = ["汉族", "壮族", "瑶族"]


class EverydayChanges(RuleBasedStateMachine):
    """A county's registry and its roster: each rule makes an everyday change to the roster
    (as an officer editing the county's export would), `import_the_roster` imports it and
    compares the registry with what the model expects. The model's rule: the import writes
    every change, keeps members the roster leaves out (reported, never deleted), and refuses
    the whole roster, changing nothing, when a household's registered head is in it nowhere.
    """

    path = None  # set by the test: where the roster is written

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.county = create_county()
        self.serial = 0
        self.registry = {}  # number → [person]; a person is a dict, the head first
        self.roster = {}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def person(self, relation, name=None):
        self.serial += 1
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=97 * self.serial)
        return {
            "id": id_number(born.strftime("%Y%m%d"), f"{self.serial % 1000:03d}"),
            "name": name or f"村民{self.serial}",
            "relation": relation,
            "ethnicity": "汉族",
        }

    def numbers(self):
        return sorted(self.roster)

    @initialize(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=4))
    def registered_households(self, sizes):
        """The registry the county starts from: households of a head and ``size`` members."""
        for size in sizes:
            self.new_household()
            number = self.numbers()[-1]
            self.roster[number] += [self.person(RELATIONS[i]) for i in range(size)]
        self.import_the_roster()

    # Changes ---------------------------------------------------------------------------------

    @rule()
    def new_household(self):
        number = f"{VILLAGE}{len(self.roster) + 1:05d}"
        if number not in self.roster:
            self.roster[number] = [self.person("户主")]

    @precondition(lambda self: self.roster)
    @rule(data=st.data(), relation=st.sampled_from(RELATIONS))
    def add_member(self, data, relation):
        number = data.draw(st.sampled_from(self.numbers()))
        self.roster[number].append(self.person(relation))

    def member(self, data):
        """A household of the roster with members besides its head, and one of them."""
        numbers = [n for n in self.numbers() if len(self.roster[n]) > 1]
        if not numbers:
            return None, None
        number = data.draw(st.sampled_from(numbers))
        return number, data.draw(st.integers(1, len(self.roster[number]) - 1))

    @precondition(lambda self: self.roster)
    @rule(data=st.data())
    def leave_out_member(self, data):
        number, index = self.member(data)
        if number:
            del self.roster[number][index]

    @precondition(lambda self: len(self.roster) > 1)
    @rule(data=st.data())
    def move_member(self, data):
        number, index = self.member(data)
        if number:
            target = data.draw(st.sampled_from([n for n in self.numbers() if n != number]))
            self.roster[target].append(self.roster[number].pop(index))

    @precondition(lambda self: self.roster)
    @rule(data=st.data(), keep_old_head=st.booleans())
    def replace_head_with_a_new_person(self, data, keep_old_head):
        number = data.draw(st.sampled_from(self.numbers()))
        old = self.roster[number].pop(0)
        if keep_old_head:
            self.roster[number].insert(0, {**old, "relation": "父亲"})
        self.roster[number].insert(0, self.person("户主"))

    @precondition(lambda self: self.roster)
    @rule(data=st.data(), keep_old_head=st.booleans())
    def replace_head_with_a_member(self, data, keep_old_head):
        number, index = self.member(data)
        if number:
            members = self.roster[number]
            new = {**members.pop(index), "relation": "户主"}
            old = members.pop(0)
            if keep_old_head:
                members.insert(0, {**old, "relation": "父亲"})
            members.insert(0, new)

    @precondition(lambda self: self.roster)
    @rule(data=st.data())
    def split_off_a_household(self, data):
        number, index = self.member(data)
        if number:
            new_number = f"{VILLAGE}{len(self.roster) + 1:05d}"
            if new_number not in self.roster:
                moved = self.roster[number].pop(index)
                self.roster[new_number] = [{**moved, "relation": "户主"}]

    @precondition(lambda self: self.roster)
    @rule(
        data=st.data(),
        field=st.sampled_from(["name", "relation", "ethnicity"]),
        value=st.sampled_from(RELATIONS + ETHNICITIES + ["张改名", "李更正"]),
    )
    def correct_a_member(self, data, field, value):
        number, index = self.member(data)
        choices = {"name": ["张改名", "李更正"], "relation": RELATIONS, "ethnicity": ETHNICITIES}
        if number and value in choices[field]:
            self.roster[number][index] = {**self.roster[number][index], field: value}

    # The import ------------------------------------------------------------------------------

    @precondition(lambda self: self.roster != self.registry)  # something to import
    @rule()
    def import_the_roster(self):
        rows = [
            rosters_person(number, p["name"], p["id"], p["relation"], 民族=p["ethnicity"])
            for number, members in sorted(self.roster.items())
            for p in members
        ]
        before = counts()
        report = roster_import(path=write_roster(self.path, rows), county=self.county)
        in_file = {p["id"] for members in self.roster.values() for p in members}
        refused = any(
            members[0]["id"] not in in_file
            for number, members in self.registry.items()
            if number in self.roster
        )
        event("refused whole" if refused else "written")
        if refused:
            assert report.problems
            assert not report.written
            assert {p.column for p in report.problems} == {"与户主关系"}
            assert counts() == before
            assert stored() == canonical(self.registry)
        else:
            assert not report.problems
            assert report.written
            expected = {
                number: members
                + [p for p in self.registry.get(number, []) if p["id"] not in in_file]
                for number, members in self.roster.items()
            }
            self.registry = {number: members for number, members in expected.items() if members}
            assert stored() == canonical(self.registry)
            left_out = {
                (number, p["name"]) for number, members in expected.items() for p in members
            } - {(number, p["name"]) for number, members in self.roster.items() for p in members}
            assert {(number, name) for number, name, _id in report.missing} == left_out
        self.roster = copy.deepcopy(self.registry)  # the county's next export


def canonical(registry):
    """number → its persons, in the order of their ID numbers."""
    return {number: sorted(persons, key=lambda p: p["id"]) for number, persons in registry.items()}


def stored():
    """The registry as the model holds it (see `canonical`)."""
    found = {}
    persons = Person.objects.current().select_related("household", "relation", "ethnicity")
    for p in persons:
        assert p.is_head == (p.relation.name == "户主")
        found.setdefault(p.household.number, []).append(
            {
                "id": p.id_number,
                "name": p.name,
                "relation": p.relation.name,
                "ethnicity": p.ethnicity.name,
            }
        )
    return canonical(found)


def test_everyday_changes_between_two_rosters_are_written_or_refused_whole(tmp_path):
    EverydayChanges.path = tmp_path / "roster.xlsx"
    run_state_machine_as_test(
        EverydayChanges,
        settings=hypothesis_settings(
            max_examples=60, stateful_step_count=10, deadline=None, database=None
        ),
    )
