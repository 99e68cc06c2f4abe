"""Data-quality rules over the registry and the ledgers (issue 22): each finds what the data
says cannot be right, as findings of the same kind as the cross-checks' for the township team
to review (households.models.Finding).

A rule is a function of the households in scope and the year that returns its hits, (household
id, person id or None, detail), computed by the database; `run_rules` turns the hits into
findings: a new hit opens one, an open finding the data no longer shows is cleared, a reviewed
one is left as reviewed (a dismissed finding is not raised again).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from households.models import Finding, Household, ListKind, MemberChange, Person
from households.sensitive import mask_account, mask_phone
from ledgers.models import Guarantee, Income, PovertyStandard

Hit = tuple[int, int | None, str]
ACTIVE = Household.ACTIVE_STATUSES


@dataclass(frozen=True)
class Rule:
    code: str
    label: Any
    hits: Callable[[Any, int], Iterable[Hit]]


def dibao_missing(households, year) -> Iterable[Hit]:
    """应保尽保: a household without ability to work, or of the 低保 attribute, in which no
    current member receives 低保."""
    receives = Person.objects.unscoped().current().filter(household=OuterRef("pk"), dibao=True)
    rows = (
        households.filter(status__in=ACTIVE)
        .filter(Q(ability__name="无劳动能力") | Q(attribute__name="低保贫困户"))
        .exclude(Exists(receives))
        .values_list("pk", "attribute__name", "ability__name")
    )
    for pk, attribute, ability in rows:
        yield pk, None, f"{attribute or ''} {ability or ''}".strip()


def _guarantee(year, **states):
    return Guarantee.objects.filter(household=OuterRef("pk"), year=year, **states)


def housing_conflict(households, year) -> Iterable[Hit]:
    """Safe housing marked met for the year while the household's housing is 危房."""
    rows = households.filter(
        status__in=ACTIVE,
        housing=Household.Housing.DANGEROUS,
    ).filter(Exists(_guarantee(year, housing=Guarantee.State.MET)))
    for pk in rows.values_list("pk", flat=True):
        yield pk, None, str(Household.Housing.DANGEROUS.label)


def school_age_out_of_school(households, year) -> Iterable[Hit]:
    """A member of compulsory-school age (6 to 15 on 1 September) not in school while the
    year's compulsory education is marked met."""
    first_day = datetime.date(year, 9, 1)
    rows = (
        Person.objects.unscoped()
        .current()
        .filter(
            household__in=households.filter(status__in=ACTIVE).filter(
                Exists(_guarantee(year, education=Guarantee.State.MET))
            ),
            birth_date__gt=first_day.replace(year=year - 16),
            birth_date__lte=first_day.replace(year=year - 6),
            in_school__name="非在校生",
        )
        .values_list("household_id", "pk", "birth_date")
    )
    for household, person, born in rows:
        yield household, person, f"{born:%Y-%m-%d}"


def deceased_counted(households, year) -> Iterable[Hit]:
    """The year's income counts more people than the household had once a member's death in
    or before that year is taken off."""
    deaths = MemberChange.objects.filter(
        household=OuterRef("household_id"), kind="death", date__lte=datetime.date(year, 12, 31)
    )
    rows = (
        Income.objects.filter(year=year, household__in=households.filter(status__in=ACTIVE))
        .filter(Exists(deaths))
        .annotate(
            members=Count(
                "household__persons",
                filter=Q(household__persons__left_on__isnull=True),
            )
        )
        .filter(household_size__gt=F("members"))
        .values_list("household_id", "household_size", "members")
    )
    for household, counted, members in rows:
        yield household, None, f"{counted} > {members}"


def shared_contact(households, year) -> Iterable[Hit]:
    """One phone or bank account given for several households of the county (they are kept
    encrypted, so they are compared once decrypted, a county at a time in memory)."""
    by_value = defaultdict(set)
    rows = households.exclude(status=Household.Status.CANCELLED).values_list(
        "pk", "village_id", "phone", "bank_account"
    )
    for pk, village, phone, account in rows.iterator(5_000):
        for label, value, masked in ((_("phone"), phone, mask_phone),
                                     (_("bank account"), account, mask_account)):  # fmt: skip
            if value:
                by_value[(village[:6], str(label), masked(value), value)].add(pk)
    for (_county, label, masked, _value), pks in by_value.items():
        if len(pks) > 1:
            for pk in pks:
                yield pk, None, f"{label} {masked} × {len(pks)}"


def near_duplicates(households, year) -> Iterable[Hit]:
    """The same name and birth date in one county under different ID numbers."""
    persons = (
        Person.objects.unscoped()
        .current()
        .filter(household__in=households.exclude(status=Household.Status.CANCELLED))
        .annotate(county=Substr("household__village_id", 1, 6))
    )
    twins = (
        persons.values("county", "name", "birth_date")
        .annotate(numbers=Count("id_number_hash", distinct=True))
        .filter(numbers__gt=1)
        .values_list("county", "name", "birth_date")
    )
    keys = set(twins)
    if not keys:
        return
    rows = persons.filter(name__in={name for _county, name, _born in keys}).values_list(
        "household_id", "pk", "name", "birth_date", "county"
    )
    for household, person, name, born, county in rows:
        if (county, name, born) in keys:
            yield household, person, f"{name} {born:%Y-%m-%d}"


def income_above_exit_line(households, year) -> Iterable[Hit]:
    """Per-capita income at or above the exit line in the year and the year before while the
    household is still in poverty."""
    lines = dict(PovertyStandard.objects.values_list("year", "exit_line"))
    if year not in lines or year - 1 not in lines:
        return
    above = Q()
    for each in (year - 1, year):
        above |= Q(year=each, per_capita__gte=lines[each])
    rows = (
        Income.objects.filter(above, household__in=households.filter(status__in=ACTIVE))
        .values("household_id")
        .annotate(years=Count("year"))
        .filter(years=2)
        .values_list("household_id", flat=True)
    )
    for household in rows:
        yield household, None, f"{year - 1}–{year}"


RULES = {
    rule.code: rule
    for rule in [
        Rule("dibao_missing", _("应保尽保: no member receives 低保"), dibao_missing),
        Rule("housing_conflict", _("Safe housing marked met, housing is 危房"), housing_conflict),
        Rule(
            "school_age_out",
            _("School-age member not in school, education marked met"),
            school_age_out_of_school,
        ),
        Rule("deceased_counted", _("A deceased member counted in the income"), deceased_counted),
        Rule("shared_contact", _("Phone or bank account shared by households"), shared_contact),
        Rule(
            "near_duplicate", _("Same name and birth date, different ID numbers"), near_duplicates
        ),
        Rule(
            "income_above_line",
            _("Income above the exit line two years, still in poverty"),
            income_above_exit_line,
        ),
    ]
}


@transaction.atomic
def run_rules(households, year: int | None = None, rules: Iterable[str] = RULES) -> dict[str, int]:
    """Run the rules over ``households`` (a scope's) for ``year`` (this year by default);
    returns the number of findings each opened."""
    year = year or timezone.localdate().year
    today = timezone.localdate()
    ids = households.values("pk")
    opened = {}
    for code in rules:
        hits = {(household, person): detail for household, person, detail in RULES[code].hits(
            households, year
        )}  # fmt: skip
        known = Finding.objects.unscoped().filter(kind=code, household__in=ids)
        seen = {}
        for finding in known.exclude(state=Finding.State.CLEARED):
            seen[(finding.household_id, finding.person_id)] = finding
        villages = dict(
            Household.objects.unscoped()
            .filter(pk__in={household for household, _person in hits})
            .values_list("pk", "village_id")
        )
        new = [
            Finding(
                area_id=villages[household][:9],
                kind=code,
                household_id=household,
                person_id=person,
                detail=detail[:300],
                found_on=today,
            )
            for (household, person), detail in hits.items()
            if (household, person) not in seen
        ]
        bulk_create_with_history(new, Finding, batch_size=5_000)
        gone = [
            finding
            for key, finding in seen.items()
            if key not in hits and finding.state == Finding.State.OPEN
        ]
        for finding in gone:
            finding.state = Finding.State.CLEARED
        bulk_update_with_history(gone, Finding, ["state"], batch_size=5_000)
        opened[code] = len(new)
    return opened


def kind_labels() -> dict[str, Any]:
    """The label of every kind of finding: the outside lists' names and the rules'."""
    return {
        **dict(ListKind.objects.values_list("code", "name")),
        **{code: rule.label for code, rule in RULES.items()},
    }
