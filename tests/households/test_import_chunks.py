"""A roster read in chunks: each written while the next is parsed, in one transaction, so a
roster is still written whole or not at all. Two rows a chunk here, 10,000 in use."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from households import roster
from households.bulk import BulkWriter, any_array
from households.models import Household, Person, StatusChange
from households.roster import roster_import
from tests.factories import UserFactory
from tests.households.rosters import (
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


@pytest.fixture(autouse=True)
def two_rows_a_chunk(monkeypatch):
    monkeypatch.setattr(roster, "CHUNK", 2)


@pytest.fixture
def run(tmp_path):
    county = create_county()

    def run(rows, **kwargs):
        path = write_roster(tmp_path / "roster.xlsx", rows)
        return roster_import(path=path, county=county, **kwargs)

    return run


def second_family(*extra):
    return [
        person(OTHER_NUMBER, "王五", id_number("19700101", "051"), 行政村="新坑2村"),
        person(OTHER_NUMBER, "赵六", id_number("19720202", "062"), "配偶", 行政村="新坑2村"),
        *extra,
    ]


def test_a_roster_of_several_chunks_is_written_whole_with_its_history(run):
    written = []
    report = run(family() + second_family(), progress=written.append)
    assert report.written, problems(report)
    assert (report.households.new, report.persons.new) == (2, 5)
    assert counts() == (2, 5, 2, 5, 2)
    assert set(Person.history.values_list("history_type", flat=True)) == {"+"}
    # Sealed while parsing, stored once, copied into the history as stored: both decrypt.
    assert Person.objects.get(name="李小花").id_number == SPOUSE_ID
    assert Person.history.get(name="李小花").id_number == SPOUSE_ID
    # Progress after each chunk written: 2 persons, 4, then all 5.
    assert written == sorted(written)
    assert written[-1] == 5
    assert 0 < written[1] < 5
    report = run(family() + second_family())
    assert (report.households.unchanged, report.persons.unchanged) == (2, 5)
    assert counts() == (2, 5, 2, 5, 2)


def test_members_listed_before_their_head_wait_for_the_head_in_a_later_chunk(run):
    head, spouse, child = family()
    report = run([spouse, child, head, *second_family()])
    assert report.written, problems(report)
    household = Household.objects.get(number=NUMBER)
    assert sorted(household.persons.values_list("name", flat=True)) == [
        "张大山",
        "张小山",
        "李小花",
    ]
    assert household.head.name == "张大山"


def test_a_problem_in_a_later_chunk_rolls_back_the_chunks_written_before(run):
    written = []
    report = run(
        family() + second_family(person(OTHER_NUMBER, "钱七", "123", "子", 行政村="新坑2村")),
        progress=written.append,
    )
    assert [(p.row, p.column) for p in report.problems] == [(8, "证件号码")]
    assert not report.written
    assert max(written) > 0  # the first chunks had been written, and are gone
    assert counts() == (0, 0, 0, 0, 0)


def test_a_second_head_in_a_later_chunk_is_reported_and_nothing_is_written(run):
    rows = [*family(), person(NUMBER, "张二", id_number("19700101", "051"))]
    report = run(rows)
    assert problems(report) == [(6, "与户主关系", f"户 {NUMBER} 有多个户主：第 3、6 行。")]
    assert counts() == (0, 0, 0, 0, 0)


def test_an_id_number_repeated_in_a_later_chunk_names_the_first_row(run):
    report = run([*family(), person(OTHER_NUMBER, "王五", SPOUSE_ID, 行政村="新坑2村")])
    assert problems(report) == [
        (4, "证件号码", "同一证件号码也出现在第 6 行。"),
        (6, "证件号码", "同一证件号码也出现在第 4 行。"),
    ]
    assert counts() == (0, 0, 0, 0, 0)


def test_file_and_database_problems_are_reported_together_by_row(run):
    run(family())
    Person.objects.with_id_number(SPOUSE_ID).update(left_on="2016-06-01")
    rows = second_family(person(OTHER_NUMBER, "李小花", SPOUSE_ID, "子", 行政村="新坑2村"))
    rows[0]["民族"] = "火星族"
    report = run(rows)
    assert [(p.row, p.column) for p in report.problems] == [(3, "民族"), (5, "证件号码")]
    assert counts()[:2] == (1, 3)


def test_lookups_during_the_import_read_one_table_unordered(run):
    """The planner's statistics do not count the rows the import has written so far in its
    transaction; a lookup planned on them with a join or a sort once ran for minutes."""
    run(family())
    with CaptureQueriesContext(connection) as queries:
        report = run(family(贫困户属性="低保贫困户") + second_family())
    assert report.written
    assert report.households.updated == 1
    lookups = [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT")
        and (
            'FROM "households_person"' in query["sql"]
            or 'FROM "households_household"' in query["sql"]
        )
    ]
    assert len(lookups) >= 4
    assert not [sql for sql in lookups if " JOIN " in sql or " ORDER BY " in sql]


def test_deleting_a_user_keeps_the_history_they_wrote(run):
    officer = UserFactory(role="county", area_id="449901")
    run(family(), user=officer)
    officer.delete()
    assert Household.history.get().history_user is None
    assert Person.history.filter(history_user=None).count() == 3


def test_an_error_of_the_background_work_is_raised_and_nothing_stays():
    with pytest.raises(IntegrityError), transaction.atomic(), BulkWriter() as writer:
        writer.insert(
            StatusChange,
            ["household_id", "new_status", "date", "reason"],
            [(999_999, Household.Status.REGISTERED, datetime.date(2016, 6, 1), "")],
            history=False,
        )
    assert not StatusChange.objects.exists()


def test_array_parameters_refuse_values_with_commas():
    assert any_array([1, 2], "bigint") == ("string_to_array(%s, ',')::bigint[]", "1,2")
    with pytest.raises(ValueError, match="contains a comma"):
        any_array(["a,b"], "text")


def test_lookups_by_id_number_are_served_by_an_index(run):
    """A province holds 1.7 million persons: a lookup by ID hash that no index serves reads
    every one of them, for each chunk of an import and for each search by ID number. Current
    records and records of persons who left each have a partial index."""
    run(family())
    Person.objects.with_id_number(SPOUSE_ID).update(left_on="2016-06-01")
    with CaptureQueriesContext(connection) as queries:
        run(second_family())
    lookups = [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT")
        and '"households_person"."id_number_hash"' in query["sql"]
    ]
    assert lookups
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what the planner does at scale
        for sql in lookups:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(line for (line,) in cursor.fetchall())
            assert "Seq Scan on households_person" not in plan, plan
        searched = Person.objects.unscoped().with_id_number(SPOUSE_ID)
        assert "Seq Scan on households_person" not in searched.explain()
        assert list(searched.values_list("name", flat=True)) == ["李小花"]
