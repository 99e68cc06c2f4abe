"""`make bench` keeps working: its data builders follow the schema (a NOT NULL column added to
persons once broke the dashboard benchmark unnoticed), at a size that takes a second."""

from bench import dashboard, roster_import
from households.models import Household, Person
from households.roster import roster_import as import_roster
from teams.models import Area, User


def test_the_dashboard_benchmark_builds_a_province_the_dashboards_render(db, monkeypatch):
    small = {"cities": 2, "counties": 3, "townships": 5, "villages": 2, "households": 60}
    monkeypatch.setitem(dashboard.__dict__, "PROVINCE", dashboard.PROVINCE | small)
    dashboard.generate(*dashboard.make_province(), 2, 60, 2026)
    assert Household.objects.in_area("46").count() == 60
    assert Person.objects.filter(household__village__code__startswith="46").count() == 156
    assert Area.objects.filter(code__startswith="46", level=Area.Level.TOWNSHIP).count() == 5
    for role, area in [("province", "46"), ("city", "4601"), ("county", "460101")]:
        assert dashboard.render(dashboard.officer(role, area), 2026).status_code == 200


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
