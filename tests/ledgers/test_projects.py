import datetime
import threading
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from ledgers import supervision
from ledgers.funds import PaymentRefused, record_payment, reverse_payment
from ledgers.models import AppendOnly, OverBudgetAttempt, Payment, Plan, Project
from tests.factories import (
    AreaFactory,
    HouseholdFactory,
    ProjectBudgetFactory,
    ProjectFactory,
)

DAY = datetime.date(2017, 5, 1)


def pay(project, amount, source="fiscal", **fields):
    values = {"date": DAY, "payee": "陈户主", "voucher": "记-001", "purpose": "种苗补助"}
    values.update(fields)
    return record_payment(
        project=project, source=source, amount=Decimal(amount), user=None, **values
    )


@pytest.fixture
def project(household):
    project = ProjectFactory(township=AreaFactory(code="449901101"))
    ProjectBudgetFactory(project=project, source="fiscal", amount=10000)
    project.beneficiaries.add(household)
    project.plans.add(
        Plan.objects.create(household=household, kind=Plan.Kind.THREE_YEAR, year=2016, goals="脱贫")
    )
    return project


def test_a_payment_within_the_budget_is_recorded(project):
    pay(project, 6000)
    pay(project, 4000)
    assert project.payments.count() == 2


def test_a_payment_over_the_budget_is_refused_and_kept_for_supervision(project):
    pay(project, 6000)
    with pytest.raises(PaymentRefused, match="超出"):
        pay(project, 4000.01)
    assert project.payments.count() == 1
    attempt = OverBudgetAttempt.objects.get()
    assert (attempt.amount, attempt.budget, attempt.paid) == (
        Decimal("4000.01"),
        Decimal("10000"),
        Decimal("6000"),
    )


def test_a_source_without_budget_pays_nothing(project):
    with pytest.raises(PaymentRefused):
        pay(project, 1, source="social")
    assert not project.payments.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_against_one_budget_cannot_both_pass(household):
    project = ProjectFactory(township=AreaFactory(code="449901101"))
    ProjectBudgetFactory(project=project, source="fiscal", amount=10000)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            pay(project, 6000)
            outcomes.append("paid")
        except PaymentRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert project.payments.get().amount == 6000
    assert OverBudgetAttempt.objects.count() == 1


def test_a_reversal_takes_the_payment_back_once(project):
    payment = pay(project, 10000)
    reversal = reverse_payment(payment, user=None, date=DAY, purpose="金额错误", voucher="记-002")
    assert reversal.amount == -10000
    assert reversal.reverses == payment
    with pytest.raises(PaymentRefused, match="已"):
        reverse_payment(payment, user=None, date=DAY, purpose="再冲", voucher="记-003")
    with pytest.raises(PaymentRefused):
        reverse_payment(reversal, user=None, date=DAY, purpose="冲冲销", voucher="记-004")
    pay(project, 10000)  # the budget is free again
    assert project.payments.count() == 3


def test_a_recorded_payment_is_never_changed_or_deleted(project):
    payment = pay(project, 100)
    payment.amount = 1
    with pytest.raises(AppendOnly):
        payment.save()
    with pytest.raises(AppendOnly):
        payment.delete()
    with pytest.raises(AppendOnly):
        Payment.objects.filter(pk=payment.pk).update(amount=1)
    with pytest.raises(AppendOnly):
        Payment.objects.all().delete()
    assert Payment.objects.get().amount == 100


def flags_of(project):
    return [
        code
        for code, _label in supervision.flags(
            supervision.with_flags(Project.objects.filter(pk=project.pk)).get()
        )
    ]


def test_a_clean_project_raises_no_flag(project):
    pay(project, 500, household=project.beneficiaries.get())
    assert flags_of(project) == []


def test_each_irregularity_raises_its_flag(project, household):
    stranger = HouseholdFactory(village=household.village)
    ProjectBudgetFactory(project=project, source="unit", amount=100)
    pay(project, 100, household=stranger)
    pay(project, 50, source="unit", voucher="")
    with pytest.raises(PaymentRefused):
        pay(project, 100, source="unit")
    assert flags_of(project) == ["non_beneficiary", "over_budget", "no_voucher"]
    road = ProjectFactory(township=project.township, category=Project.Category.INFRASTRUCTURE)
    ProjectBudgetFactory(project=road, amount=1000)
    pay(road, 800)
    assert flags_of(road) == ["fiscal_outside", "no_plan"]


def test_a_reversed_payment_no_longer_raises_its_flag(project, household):
    wrong = pay(project, 100, household=HouseholdFactory(village=household.village))
    reverse_payment(wrong, user=None, date=DAY, purpose="付错户", voucher="记-9")
    assert flags_of(project) == []


def test_fund_summary_totals_by_source_township_and_flag(project, django_assert_num_queries):
    pay(project, 2500)
    road = ProjectFactory(township=project.township, category=Project.Category.INFRASTRUCTURE)
    ProjectBudgetFactory(project=road, source="sector", amount=1000)
    with django_assert_num_queries(4):  # the sums per township, their areas, two by source
        summary = supervision.fund_summary(Project.objects.all())
    fiscal = next(row for row in summary["by_source"] if row["source"] == "fiscal")
    assert (fiscal["budget"], fiscal["paid"], fiscal["balance"]) == (10000, 2500, 7500)
    assert summary["projects"] == 2
    assert summary["flagged"] == 1
    assert {f["code"]: f["projects"] for f in summary["flags"]}["no_plan"] == 1
    [township] = summary["townships"]
    assert (township["budget"], township["paid"], township["flagged"]) == (11000, 2500, 1)


# Pages


def test_project_list_shows_totals_and_flags_in_fixed_queries(
    as_user, township_cadre, project, django_assert_num_queries
):
    for _n in range(3):
        extra = ProjectFactory(township=project.township, category=Project.Category.OTHER)
        ProjectBudgetFactory(project=extra, amount=100)
        pay(extra, 100, voucher="")
    client = as_user(township_cadre)
    client.get(reverse("ledgers:projects"))
    # session, user, member and team (may create?), count, page, townships of the filter
    with django_assert_num_queries(8):
        response = client.get(reverse("ledgers:projects"))
    body = response.content.decode()
    assert project.name in body
    assert body.count('data-flag="no_voucher"') == 3


def test_project_list_filters_flagged_projects(as_user, township_cadre, project):
    pay(project, 100)
    road = ProjectFactory(township=project.township, category=Project.Category.INFRASTRUCTURE)
    response = as_user(township_cadre).get(reverse("ledgers:projects"), {"flagged": "on"})
    assert [p.pk for p in response.context["page"]] == [road.pk]


def test_outsider_gets_404_on_a_project_and_its_fund_ledgers(as_user, outsider, project):
    client = as_user(outsider)
    for url in [
        reverse("ledgers:project", args=[project.pk]),
        reverse("ledgers:project_funds", args=[project.pk]),
        reverse("ledgers:township_funds", args=[project.township_id]),
        reverse("ledgers:payment_reverse", args=[pay(project, 1).pk]),
    ]:
        assert client.get(url).status_code == 404


def test_project_page_shows_budget_against_paid_per_source(as_user, township_cadre, project):
    pay(project, 2500)
    response = as_user(township_cadre).get(reverse("ledgers:project", args=[project.pk]))
    fiscal = next(row for row in response.context["sources"] if row["source"] == "fiscal")
    assert fiscal["balance"] == 7500
    assert "记-001" in response.content.decode()


def project_data(township, **values):
    data = {
        "township": township.pk,
        "name": "养鸡扶持项目",
        "category": "industry",
        "starts_on": "2017-03-01",
        "ends_on": "2017-12-31",
        "procurement": "direct",
        "status": "planned",
        "budget_unit": "0",
        "budget_sector": "0",
        "budget_social": "0",
        "budget_fiscal": "20000",
    }
    data.update(values)
    return data


def test_a_township_leader_creates_a_project_and_the_county_sets_its_budget(
    as_user, township_leader, county_officer, household, east_team
):
    data = project_data(east_team.township, beneficiaries=[household.pk])
    response = as_user(township_leader).post(reverse("ledgers:project_create"), data)
    project = Project.objects.get()
    assert response.status_code == 302
    assert list(project.beneficiaries.all()) == [household]
    assert not project.budgets.exists()  # the budget fields are not the leader's
    edit = reverse("ledgers:project_edit", args=[project.pk])
    response = as_user(county_officer).post(edit, {**data, "version": project.version})
    assert response.status_code == 302
    assert dict(project.budgets.values_list("source", "amount"))["fiscal"] == 20000
    project = supervision.with_flags(Project.objects.filter(pk=project.pk)).get()
    assert ("budget_raised", "预算设定后被调增") not in supervision.flags(project)


def test_a_team_leader_cannot_accept_reopen_or_budget_a_project(as_user, township_leader, project):
    """The project form let a leader set 已验收, reopen an accepted project, raise its budget
    from 80,000 to 500,000 yuan and pay 400,000."""
    client = as_user(township_leader)
    edit = reverse("ledgers:project_edit", args=[project.pk])
    form = client.get(edit).content.decode()
    assert 'name="budget_fiscal"' not in form
    assert 'value="accepted"' not in form
    data = project_data(project.township, name="改名", status="accepted")
    response = client.post(edit, {**data, "version": project.version})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    data = project_data(project.township, name="改名", status="under_way", budget_fiscal="500000")
    assert client.post(edit, {**data, "version": project.version}).status_code == 302
    project.refresh_from_db()
    assert (project.name, project.status) == ("改名", Project.Status.UNDER_WAY)
    assert project.budgets.get().amount == 10000
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACCEPTED)
    project.refresh_from_db()
    assert 'name="status"' not in client.get(edit).content.decode()
    data = project_data(project.township, name="改名", status="planned")
    client.post(edit, {**data, "version": project.version})
    project.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED


def test_a_budget_raised_after_it_was_set_is_flagged(as_user, county_officer, project):
    edit = reverse("ledgers:project_edit", args=[project.pk])
    data = project_data(project.township, name=project.name, budget_fiscal="50000")
    assert (
        as_user(county_officer).post(edit, {**data, "version": project.version}).status_code == 302
    )
    flagged = supervision.with_flags(Project.objects.filter(pk=project.pk)).get()
    assert ("budget_raised", "预算设定后被调增") in supervision.flags(flagged)
    assert list(supervision.flagged(supervision.with_flags(Project.objects.all()))) == [flagged]


def test_a_plain_cadre_may_not_create_a_project(as_user, township_cadre):
    assert as_user(township_cadre).get(reverse("ledgers:project_create")).status_code == 403


def test_beneficiaries_of_another_township_are_refused(
    as_user, county_officer, east_team, west_team
):
    west = HouseholdFactory(village=AreaFactory(code="449901102201"))
    data = project_data(east_team.township, beneficiaries=[west.pk])
    response = as_user(county_officer).post(reverse("ledgers:project_create"), data)
    assert response.status_code == 200
    assert "本项目所在乡镇" in response.content.decode()
    assert not Project.objects.exists()


def test_a_budget_below_what_was_paid_is_refused(as_user, county_officer, project):
    pay(project, 5000)
    data = project_data(project.township, name=project.name, budget_fiscal="4000")
    response = as_user(county_officer).post(
        reverse("ledgers:project_edit", args=[project.pk]), {**data, "version": project.version}
    )
    assert response.status_code == 200
    assert "5000" in response.content.decode()
    project.refresh_from_db()
    assert project.budgets.get().amount == 10000
    assert project.version == 1


def test_an_over_budget_payment_on_the_page_changes_nothing(as_user, township_leader, project):
    data = {
        "date": "2017-05-01",
        "amount": "10000.01",
        "source": "fiscal",
        "payee": "某公司",
        "voucher": "记-7",
        "purpose": "采购",
    }
    response = as_user(township_leader).post(
        reverse("ledgers:payment_create", args=[project.pk]), data
    )
    assert response.status_code == 200
    assert "超出" in response.content.decode()
    assert not project.payments.exists()
    assert OverBudgetAttempt.objects.count() == 1


def test_a_payment_and_its_reversal_through_the_pages(as_user, township_leader, project):
    client = as_user(township_leader)
    data = {
        "date": "2017-05-01",
        "amount": "800",
        "source": "fiscal",
        "payee": "某公司",
        "voucher": "记-7",
        "purpose": "采购",
    }
    assert (
        client.post(reverse("ledgers:payment_create", args=[project.pk]), data).status_code == 302
    )
    payment = project.payments.get()
    url = reverse("ledgers:payment_reverse", args=[payment.pk])
    reversal = {"date": "2017-05-03", "voucher": "记-8", "purpose": "录错"}
    assert client.post(url, reversal).status_code == 302
    assert client.post(url, reversal).status_code == 200  # once only
    assert sorted(project.payments.values_list("amount", flat=True)) == [-800, 800]


def test_the_county_records_the_acceptance(as_user, county_officer, township_leader, project):
    url = reverse("ledgers:project_accept", args=[project.pk])
    assert as_user(township_leader).get(url).status_code == 403
    data = {"accepted_on": "2017-12-20", "acceptance_record": "验收合格", "version": 1}
    assert as_user(county_officer).post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.ACCEPTED


def test_the_household_ledger_shows_the_projects_and_amounts_that_reached_it(
    as_user, township_cadre, project, household
):
    pay(project, 1200, household=household)
    pay(project, 300)
    response = as_user(township_cadre).get(reverse("ledgers:ledger", args=[household.pk]))
    [shown] = response.context["projects"]
    assert shown.reached == 1200
    assert shown.is_beneficiary


def test_the_fund_ledger_exports_formula_safe_cells(as_user, township_cadre, project):
    pay(project, 100, payee='=HYPERLINK("x")')
    response = as_user(township_cadre).get(
        reverse("ledgers:township_xlsx", args=[project.township_id])
    )
    book = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    payments = book["资金拨付"]
    payee = payments.cell(3, 4)
    assert (payee.value, payee.data_type, payee.quotePrefix) == ('=HYPERLINK("x")', "s", True)
    assert (payments.cell(3, 9).value, payments.cell(3, 9).number_format) == (100, "#,##0.00")


def test_the_printable_fund_ledger_of_a_township(as_user, township_cadre, project):
    pay(project, 100)
    response = as_user(township_cadre).get(
        reverse("ledgers:township_funds", args=[project.township_id])
    )
    assert project.name in response.content.decode()


def test_measure_projects_are_those_of_the_households_township(
    as_user, township_cadre, project, household
):
    ProjectFactory(township=AreaFactory(code="449901102"), name="西镇项目")
    response = as_user(township_cadre).get(
        reverse("ledgers:item_create", args=[household.pk, "measure"])
    )
    assert list(response.context["form"].fields["project"].queryset) == [project]
