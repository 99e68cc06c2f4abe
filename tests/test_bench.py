"""`make bench` keeps working: its data builders follow the schema (a NOT NULL column added to
persons once broke the dashboard benchmark unnoticed), at a size that takes a second."""

from bench import dashboard, roster_import
from households.models import Household, Person
from households.roster import roster_import as import_roster
from teams.models import Area, User


def test_the_dashboard_benchmark_builds_a_county_the_dashboard_renders(db):
    dashboard.generate("449904", 50)
    assert Household.objects.in_area("449904").count() == 50
    assert dashboard.render(dashboard.officer("449904")).status_code == 200


def test_the_roster_benchmark_writes_a_roster_that_imports_clean(db, tmp_path):
    path = tmp_path / "roster.xlsx"
    persons = roster_import.generate(path, households=20)
    roster_import.create_county()
    report = import_roster(
        path=path,
        county=Area.objects.get(code=roster_import.COUNTY),
        user=User.objects.get(username=roster_import.OFFICER),
    )
    assert report.problems == []
    assert Person.objects.count() == persons
