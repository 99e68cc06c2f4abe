"""The county dashboard at scale: 100,000 households with a year of ledgers (PostgreSQL).

Figures: the dashboard view's time (RequestFactory, a county officer) against merely running
the SQL it sends (the raw aggregate queries, no ORM, no template), and its query count at
1,000 and at 100,000 households, which must be the same. Data is generated in the database
with generate_series, not through the ORM.
"""

import time

YEAR = 2017
TARGET_RATIO = 2
TOWNSHIPS = 20
VILLAGES = 25
COUNTIES = {"449903": 100_000, "449904": 1_000}


def generate(county, households):
    """Areas, teams with ten cadres each, households with two persons, and a year of ledgers:
    a yearly plan, an income, the guarantees, six visits and two measures per household."""
    from django.db import connection

    from households.models import ReferenceItem
    from ledgers.models import MeasureCategory
    from teams.models import Area, Member, Team

    Area.objects.get_or_create(code="44", defaults={"name": "示例省", "level": 1})
    Area.objects.get_or_create(
        code="4499", defaults={"name": "示例市", "level": 2, "parent_id": "44"}
    )
    Area.objects.create(code=county, name=f"基准县{county}", level=3, parent_id="4499")
    areas, teams = [], []
    for t in range(TOWNSHIPS):
        township = f"{county}{101 + t:03d}"
        areas.append(Area(code=township, name=f"基准{t + 1}镇", level=4, parent_id=county))
        areas += [
            Area(code=f"{township}{201 + v:03d}", name=f"{t + 1}镇{v + 1}村", level=5,
                 parent_id=township)
            for v in range(VILLAGES)
        ]  # fmt: skip
    Area.objects.bulk_create(areas)
    for t in range(TOWNSHIPS):
        team = Team.objects.create(township_id=f"{county}{101 + t:03d}", established="2016-06-01")
        teams.append(team)
        Member.objects.bulk_create(
            Member(team=team, name=f"干部{t}-{m}", source="cadre", joined="2016-06-01")
            for m in range(10)
        )
    attribute = ReferenceItem.objects.filter(kind="attribute").values_list("pk", flat=True)
    causes = list(ReferenceItem.objects.filter(kind="cause").values_list("pk", flat=True))
    relation = ReferenceItem.objects.get(kind="relation", name="户主").pk
    category = MeasureCategory.objects.values_list("pk", flat=True).first()
    villages = TOWNSHIPS * VILLAGES
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO households_household (village_id, number, attribute_id, main_cause_id,
                phone, bank_name, bank_account, housing, safe_water, electricity, farmland_mu,
                forest_mu, contact_cadre_id, status, status_since, registered_on, exited_on,
                publicly_displayed)
            SELECT v.village, v.village || lpad((i / %(per_round)s)::text, 5, '0'), %(attribute)s,
                (%(causes)s)[1 + i %% %(ncauses)s], '', '', '', 'safe', true, true, 0, 0,
                CASE WHEN i %% 20 = 0 THEN NULL ELSE (
                    SELECT m.id FROM teams_member m JOIN teams_team t ON t.id = m.team_id
                    WHERE t.township_id = substr(v.village, 1, 9) ORDER BY m.id
                    OFFSET i %% 10 LIMIT 1) END,
                CASE WHEN i %% 7 = 0 THEN 'exited' WHEN i %% 31 = 0 THEN 'returned'
                     ELSE 'registered' END,
                '2016-03-01', '2016-03-01',
                CASE WHEN i %% 7 = 0 THEN date '2017-01-01' + (i %% 360) END, true
            FROM generate_series(1, %(households)s) AS i
            CROSS JOIN LATERAL (
                SELECT %(county)s || lpad((101 + (i %% %(townships)s))::text, 3, '0')
                    || lpad((201 + (i / %(townships)s) %% %(villages)s)::text, 3, '0') AS village
            ) v
            """,
            {
                "attribute": attribute[0],
                "causes": causes,
                "ncauses": len(causes),
                "households": households,
                "county": county,
                "townships": TOWNSHIPS,
                "villages": VILLAGES,
                # Consecutive households go to different villages: the serial in the village.
                "per_round": villages,
            },
        )
        scope = {"prefix": f"{county}%"}
        ours = "SELECT id FROM households_household WHERE village_id LIKE %(prefix)s"
        cursor.execute(
            f"""
            INSERT INTO households_person (household_id, name, id_number, id_number_hash,
                relation_id, is_head, sex, birth_date, months_worked, medical_insurance,
                pension_insurance, dibao, wubao, health, disability_grade)
            SELECT h.id, '村民', 'x', md5(h.id::text || '-' || k), %(relation)s, k = 1, 'M',
                '1960-01-01', 0, true, false, false, false, '', ''
            FROM ({ours}) h CROSS JOIN generate_series(1, 2) k
            """,
            {**scope, "relation": relation},
        )
        versioned = "version, "
        cursor.execute(
            f"""
            INSERT INTO ledgers_plan ({versioned}household_id, kind, year, goals, target_income,
                agreed_with)
            SELECT 1, h.id, 'yearly', {YEAR}, '稳定增收', 5000, '' FROM ({ours}) h
            WHERE h.id %% 5 <> 0
            """,
            scope,
        )
        money = ", ".join(
            ["wages", "production_income", "production_costs", "property_income",
             "transfer_subsidies", "transfer_dibao", "transfer_pensions",
             "transfer_ecological", "transfer_other"]
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO ledgers_income ({versioned}household_id, year, household_size, {money},
                per_capita)
            SELECT 1, h.id, {YEAR}, 2, 9000 + h.id %% 4000, 0, 0, 0, 0, 0, 0, 0, 0,
                (9000 + h.id %% 4000) / 2.0
            FROM ({ours}) h
            """,
            scope,
        )
        cursor.execute(
            f"""
            INSERT INTO ledgers_guarantee ({versioned}household_id, year, education,
                education_evidence, medical, medical_evidence, housing, housing_evidence,
                water, water_evidence)
            SELECT 1, h.id, {YEAR}, 'met', '核实', 'met', '核实',
                CASE WHEN h.id %% 9 = 0 THEN 'not_met' ELSE 'met' END, '核实', 'met', '核实'
            FROM ({ours}) h
            """,
            scope,
        )
        cursor.execute(
            f"""
            INSERT INTO ledgers_visit ({versioned}household_id, date, findings, actions,
                requests, next_step, photo)
            SELECT 1, h.id, date '{YEAR}-01-15' + (k * 60 + h.id %% 50)::int, '走访', '', '', '', ''
            FROM ({ours}) h CROSS JOIN generate_series(0, 5) k
            """,
            scope,
        )
        cursor.execute(
            f"""
            INSERT INTO ledgers_measure ({versioned}household_id, category_id, date,
                description, amount, status)
            SELECT 1, h.id, %(category)s, date '{YEAR}-03-01' + k * 90, '产业帮扶', 2000,
                CASE WHEN k = 0 THEN 'done' ELSE 'in_progress' END
            FROM ({ours}) h CROSS JOIN generate_series(0, 1) k
            """,
            {**scope, "category": category},
        )
        cursor.execute("ANALYZE")
    from assessments.models import Inspection

    for team in teams[:5]:
        inspection = Inspection.objects.create(
            team=team, date=f"{YEAR}-06-01", kind="regular", inspectors="督查组", findings="x"
        )
        inspection.rectifications.create(item="补台账", owner="书记", deadline=f"{YEAR}-07-01")


def officer(county):
    from teams.models import User

    return User.objects.create(username=f"bench-{county}", role="county", area_id=county)


def render(user):
    from django.test import RequestFactory

    from assessments.views import home

    request = RequestFactory().get("/", {"year": YEAR})
    request.user = user
    response = home(request)
    assert response.status_code == 200
    return response


def measure(user, repeat=5):
    """(best seconds of the view, its SQL statements, best seconds of running them raw)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    render(user)  # warm the caches of PostgreSQL and of the templates
    # The query log keeps 9,000 entries: after the roster benchmark it is full, and a full log
    # captures nothing new.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        render(user)
    statements = [query["sql"] for query in captured.captured_queries]
    view = []
    for _ in range(repeat):
        start = time.perf_counter()
        render(user)
        view.append(time.perf_counter() - start)
    raw = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            raw.append(time.perf_counter() - start)
    return min(view), statements, min(raw)


def run(workdir):
    from django.db import connection

    counts = {}
    for county, households in COUNTIES.items():
        start = time.perf_counter()
        generate(county, households)
        print(
            f"county dashboard: generated {households:,} households with a year of ledgers in "
            f"{time.perf_counter() - start:.1f} s on {connection.vendor}",
            flush=True,
        )
        counts[households] = measure(officer(county))
    view, statements, raw = counts[100_000]
    small, large = len(counts[1_000][1]), len(statements)
    print(
        f"county dashboard: {view * 1000:.0f} ms · {small} queries at 1,000 and {large} at "
        f"100,000 households · {view / raw:.2f}× raw SQL ({raw * 1000:.0f} ms; target ≤ "
        f"{TARGET_RATIO}×)",
        flush=True,
    )
    assert small == large, "the dashboard's query count grows with the households"
