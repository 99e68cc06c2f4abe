"""Reading the ledger: the sections of a household's page, summaries, history, the export."""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from io import BytesIO
from itertools import chain
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from households.models import Household, HouseholdQuerySet
from ledgers.models import (
    Guarantee,
    Income,
    Measure,
    Payment,
    Plan,
    PovertyStandard,
    Project,
    Visit,
)
from teams.tables import COUNT, DATE, MONEY, TEXT, Column, write_table

#: A page's template context.
Context = dict[str, Any]

#: The record models of a ledger, in the order of the page.
LEDGER_MODELS = [Plan, Measure, Visit, Income, Guarantee]


def ledger_url(household: Household) -> str:
    return reverse("ledgers:ledger", args=[household.pk])


def standards() -> dict[int, PovertyStandard]:
    """{year: PovertyStandard} in one query."""
    return {standard.year: standard for standard in PovertyStandard.objects.all()}


def standing(
    per_capita: Decimal | None, standard: PovertyStandard | None
) -> tuple[str, str] | None:
    """(badge class, label) of a per-capita income against the year's lines, or None."""
    if per_capita is None or standard is None:
        return None
    if per_capita >= standard.exit_line:
        return "ok", _("At or above the exit line")
    if per_capita >= standard.poverty_line:
        return "warn", _("Above the poverty line, below the exit line")
    return "bad", _("Below the poverty line")


#: A household is visited at least this often (我的帮扶户 and the dashboard's first figure).
VISIT_INTERVAL_DAYS = 30


def visits_count_from(day: date, days: int = VISIT_INTERVAL_DAYS) -> date:
    """The first day of the ``days`` days up to ``day``: a household not visited since is due
    for a visit (one visited exactly ``days`` days ago is due again). The one home of the rule,
    for the cadre's list and the dashboard."""
    return day - timedelta(days=days - 1)


def with_ledger_summary(
    households: QuerySet[Household], until: date | None = None
) -> QuerySet[Household]:
    """Annotate last visit, open measures and the latest year's per-capita income; with
    ``until``, the last visit up to that day and the latest income up to its year."""
    incomes = Income.objects.filter(household=OuterRef("pk"))
    visits = Visit.objects.filter(household=OuterRef("pk"))
    if until is not None:
        incomes, visits = incomes.filter(year__lte=until.year), visits.filter(date__lte=until)
    latest_income = incomes.order_by("-year")
    open_measures = (
        Measure.objects.filter(household=OuterRef("pk"), status__in=Measure.OPEN_STATUSES)
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_visit = visits.order_by("-date")
    return households.annotate(
        last_visit=Subquery(last_visit.values("date")[:1]),
        open_measures=Coalesce(Subquery(open_measures), 0),
        income_year=Subquery(latest_income.values("year")[:1]),
        income_per_capita=Subquery(latest_income.values("per_capita")[:1]),
    )


def plan_against_actual(measures: Iterable[Measure]) -> list[dict[str, Any]]:
    """Per year and category: measures and yuan planned (all of them) against those done."""
    rows: dict[tuple[int, int, int], dict[str, Any]] = {}
    for measure in measures:
        row = rows.setdefault(
            (measure.date.year, measure.category.order, measure.category_id),
            {
                "year": measure.date.year,
                "category": measure.category,
                "planned": 0,
                "done": 0,
                "planned_amount": 0,
                "done_amount": 0,
            },
        )
        row["planned"] += 1
        row["planned_amount"] += measure.amount
        if measure.status == Measure.Status.DONE:
            row["done"] += 1
            row["done_amount"] += measure.amount
    return [rows[key] for key in sorted(rows, key=lambda k: (-k[0], k[1], k[2]))]


def _plans(household: Household) -> Context:
    plans = household.plans.select_related("responsible").prefetch_related("planned_measures")
    # The five-year plan, then the yearly plans newest first: the ledger page shows the first
    # few of a long list.
    return {"plans": list(plans.order_by("-kind", "-year"))}


def _measures(household: Household) -> Context:
    measures = list(household.measures.select_related("category", "responsible"))
    return {"measures": measures, "plan_against_actual": plan_against_actual(measures)}


def _visits(household: Household) -> Context:
    return {"visits": list(household.visits.select_related("cadre").prefetch_related("photos"))}


def _incomes(household: Household) -> Context:
    by_year = standards()
    incomes = list(household.incomes.all())
    for income in incomes:
        income.standard = by_year.get(income.year)
        income.standing = standing(income.per_capita, income.standard)
    return {"incomes": incomes}


def _guarantees(household: Household) -> Context:
    return {"guarantees": list(household.guarantees.all())}


SECTIONS = {
    "plan": _plans,
    "measure": _measures,
    "visit": _visits,
    "income": _incomes,
    "guarantee": _guarantees,
}


def ledger_sections(household: Household, names: Iterable[str] = SECTIONS) -> Context:
    """The context of the named sections of the ledger page (all of them by default)."""
    context: Context = {}
    for name in names:
        context.update(SECTIONS[name](household))
    return context


def household_projects(household: Household) -> list[Project]:
    """The projects that serve ``household`` or paid it, with the net yuan that reached it."""
    reached = (
        Payment.objects.filter(project=OuterRef("pk"), household=household)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    beneficiary = Project.beneficiaries.through.objects.filter(
        project_id=OuterRef("pk"), household_id=household.pk
    )
    return list(
        Project.objects.filter(Q(Exists(beneficiary)) | Q(Exists(reached)))
        .annotate(
            reached=Coalesce(Subquery(reached), Value(Decimal("0"))),
            is_beneficiary=Exists(beneficiary),
        )
        .order_by("-starts_on", "pk")
    )


def ledger_page(household: Household) -> Context:
    """Everything the ledger page and the printable book show, with the at-a-glance summary."""
    context = ledger_sections(household)
    context["persons"] = household.persons.current().select_related(
        "relation", "education", "in_school"
    )
    context["other_causes"] = household.other_causes.all()
    context["projects"] = household_projects(household)
    measures, incomes = context["measures"], context["incomes"]
    context["summary"] = {
        "last_visit": context["visits"][0].date if context["visits"] else None,
        "open_measures": sum(1 for m in measures if m.is_open),
        "done_measures": sum(1 for m in measures if not m.is_open),
        "income": incomes[0] if incomes else None,
        "guarantee": context["guarantees"][0] if context["guarantees"] else None,
    }
    return context


def _label(record: Any) -> Any:
    return getattr(record, "date", None) or getattr(record, "year", "")


def ledger_changes(household: Household, limit: int = 200) -> list[Any]:
    """The latest ``limit`` history records of every ledger model of the household."""
    records = chain.from_iterable(
        model.history.filter(household_id=household.pk)  # type: ignore[attr-defined]
        .select_related("history_user")
        .order_by("-history_date")[:limit]
        for model in LEDGER_MODELS
    )
    changes = sorted(records, key=lambda r: r.history_date, reverse=True)[:limit]
    for change in changes:
        change.label = _label(change)
        change.model_name = change.instance_type._meta.verbose_name
    return changes


def _kind(field: Any) -> str:
    if isinstance(field, DecimalField):
        return MONEY
    if isinstance(field, DateField):
        return DATE
    return TEXT


def _record_value(row: Any, field: Any) -> Any:
    if getattr(field, "choices", None):
        return str(getattr(row, f"get_{field.name}_display")())
    if field.is_relation:
        return str(getattr(row, field.name) or "")
    return getattr(row, field.name)


def ledgers_workbook(households: HouseholdQuerySet) -> bytes:
    """An .xlsx of the ledgers of ``households``: a summary sheet and one sheet per record,
    each record beside its household's number and head."""
    book = Workbook(write_only=True)
    # Any: the rows carry the summary's annotations (last_visit, open_measures, income_*).
    summarised: Any = with_ledger_summary(
        households.select_related("village", "main_cause", "contact_cadre").with_head()
    ).order_by("number")
    by_year = standards()
    names: dict[int, tuple[str, str]] = {}  # household pk: (number, head's name)

    def named(household: Any) -> Any:
        names[household.pk] = (household.number, household.head.name if household.head else "")
        return household

    def verdict(household: Any) -> str:
        found = standing(household.income_per_capita, by_year.get(household.income_year))
        return str(found[1]) if found else ""

    summary = [
        Column(_("Household number"), value=lambda h: h.number, width=20),
        Column(_("Head of household"), value=lambda h: names[h.pk][1]),
        Column(_("Village"), value=lambda h: h.village.name),
        Column(_("Main cause"), value=lambda h: str(h.main_cause or "")),
        Column(_("Contact cadre"), value=lambda h: str(h.contact_cadre or "")),
        Column(_("Status"), value=lambda h: h.get_status_display()),
        Column(_("Last visit"), value=lambda h: h.last_visit, kind=DATE),
        Column(_("Open measures"), value=lambda h: h.open_measures, kind=COUNT),
        Column(_("Income year"), value=lambda h: h.income_year),
        Column(_("Per-capita disposable income"), value=lambda h: h.income_per_capita, kind=MONEY),
        Column(_("Against the lines"), value=verdict),
    ]
    rows = (named(household) for household in summarised.iterator(chunk_size=2000))
    write_table(book.create_sheet(_("Households")), summary, rows, frozen=2)
    # The ledger models, each with its household: Any, as mypy reads them as VersionedModel.
    columns: dict[Any, list[str]] = {
        Plan: ["kind", "year", "goals", "target_income", "responsible", "agreed_on", "agreed_with"],
        Measure: ["category", "date", "description", "amount", "responsible", "status"],
        Visit: ["date", "cadre", "findings", "actions", "requests", "next_step"],
        Income: [
            "year",
            "household_size",
            "wages",
            "production_income",
            "production_costs",
            "property_income",
            *Income.TRANSFERS,
            "per_capita",
        ],
        Guarantee: ["year"] + [name for item in Guarantee.ITEMS for name in item],
    }
    related = {Plan: ["responsible"], Measure: ["category", "responsible"], Visit: ["cadre"]}
    for model, field_names in columns.items():
        fields = [model._meta.get_field(name) for name in field_names]
        record_columns = [
            Column(_("Household number"), value=lambda r: names[r.household_id][0]),
            Column(_("Head of household"), value=lambda r: names[r.household_id][1]),
            *(
                Column(
                    field.verbose_name, value=partial(_record_value, field=field), kind=_kind(field)
                )
                for field in fields
            ),
        ]
        records = model.objects.filter(household_id__in=households.values("pk"))
        records = records.select_related(*related.get(model, [])).order_by("household_id", "pk")
        sheet = book.create_sheet(str(model._meta.verbose_name_plural))
        write_table(sheet, record_columns, records.iterator(chunk_size=2000), frozen=2)
    output = BytesIO()
    book.save(output)
    return output.getvalue()
