"""Realistic demo ledgers for `seed_demo`: plans, measures, visits, income and guarantees.

Fills the ledger of every active demo household (county 449901) that has none yet, so running
the seed twice changes nothing. Plans, measures, incomes and guarantees follow the 2016–2018
campaign, and the households still in poverty keep a ledger every year after it: a plan, a
measure, the 三保障 record and the income through last year, this year's plan. Poverty lines
run through this year. Visits fall through the campaign, a few in each year after it, and
in the year before today.
"""

import contextlib
import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from households.models import Household
from ledgers.funds import PaymentRefused, record_payment, reverse_payment, set_budgets
from ledgers.models import (
    FundSource,
    Guarantee,
    Income,
    Measure,
    MeasureCategory,
    Plan,
    PovertyStandard,
    Project,
    Visit,
)
from teams.models import Member, Team

COUNTY = "449901"
YEARS = [2016, 2017, 2018]

#: Measures that answer each main cause of poverty; 政策宣传 and 产业帮扶 go to everybody able.
CAUSE_MEASURES = {
    "因病": ["医保救助", "社会保障"],
    "因残": ["社会保障", "资产收益"],
    "因学": ["教育资助", "就业服务"],
    "因灾": ["危房改造", "产业帮扶"],
    "缺劳力": ["社会保障", "资产收益"],
    "缺资金": ["金融扶持", "产业帮扶"],
    "缺技术": ["就业服务", "产业帮扶"],
}
MEASURE_TEXTS = {
    "政策宣传": ("入户宣讲精准扶贫政策，发放明白卡", 0, 0),
    "产业帮扶": ("扶持种养：发放鸡苗、鸭苗或果苗并提供技术指导", 1500, 5000),
    "就业服务": ("推荐到县工业园就业，参加免费技能培训", 0, 800),
    "社会保障": ("协助申请低保、残疾人两项补贴", 1200, 4800),
    "教育资助": ("落实教育生活费补助", 2500, 5000),
    "医保救助": ("代缴城乡居民医保，申请大病救助", 300, 6000),
    "危房改造": ("危房改造补助，组织施工并验收", 20000, 40000),
    "金融扶持": ("协助申请扶贫小额信贷（免抵押、财政贴息）", 10000, 50000),
    "资产收益": ("入股村光伏电站，按年分红", 500, 2000),
}
FINDINGS = [
    "家中老人病情稳定，按时服药",
    "种植的百香果长势良好，担心销路",
    "孩子在县城读初中，成绩中等",
    "房屋雨季有渗漏，需要修补",
    "户主在镇上打零工，收入不稳定",
    "养殖的鸡已出栏一批，收入约三千元",
    "低保金按月到账",
]
ACTIONS = [
    "讲解医保报销政策，帮助整理住院票据",
    "联系合作社上门收购",
    "核实教育补助发放情况",
    "上报村委安排维修",
    "推荐到园区企业面试",
    "登记下一批鸡苗需求",
]
REQUESTS = ["希望增加种苗", "希望帮忙找工作", "希望解决孩子交通费", "", "", "无"]
NEXT_STEPS = ["下月回访", "跟进补助到账", "联系技术员上门指导", "协调贷款审批"]


def _yuan(rng, low, high):
    return Decimal(rng.randrange(low, high + 1, 100) if high > low else low)


def _date(rng, year):
    return datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _measure(rng, household, category, year, cadre) -> Measure:
    """A measure of the year in ``category``, done."""
    text, low, high = MEASURE_TEXTS[category.name]
    return Measure(
        household=household,
        category=category,
        date=_date(rng, year),
        description=text,
        amount=_yuan(rng, low, high),
        responsible=cadre,
        status=Measure.Status.DONE,
    )


def _visit(rng, household, cadre, date) -> Visit:
    return Visit(
        household=household,
        date=date,
        cadre=cadre,
        findings=rng.choice(FINDINGS),
        actions=rng.choice(ACTIONS),
        requests=rng.choice(REQUESTS),
        next_step=rng.choice(NEXT_STEPS),
    )


def _income(rng, household, members, year) -> Income:
    """A year's income, growing through the campaign and slowly after it."""
    growth = (min(year, 2018) - 2016) * 1800 + max(year - 2018, 0) * 300
    base = 3800 + growth + rng.randint(-800, 1500)
    income = Income(
        household=household,
        year=year,
        household_size=members,
        wages=_yuan(rng, 0, base * members // 2),
        production_income=_yuan(rng, 1000, 3000 * members),
        production_costs=_yuan(rng, 200, 1000 * members),
        property_income=_yuan(rng, 0, 600),
        transfer_subsidies=_yuan(rng, 200, 1500),
        transfer_dibao=_yuan(rng, 0, 3600) if rng.random() < 0.4 else Decimal(0),
        transfer_pensions=_yuan(rng, 0, 2000) if rng.random() < 0.5 else Decimal(0),
        transfer_ecological=_yuan(rng, 0, 300),
    )
    income.per_capita = income.compute_per_capita()
    return income


def _guarantee(rng, household, year) -> Guarantee:
    """A year's 三保障 record, safe housing met more often each year of the campaign."""
    met = rng.random() < 0.5 + (min(year, 2018) - 2016) * 0.22
    state = Guarantee.State.MET if met else Guarantee.State.NOT_MET
    return Guarantee(
        household=household,
        year=year,
        education=Guarantee.State.MET if rng.random() < 0.6 else Guarantee.State.NOT_APPLICABLE,
        education_evidence="义务教育阶段子女均在校，学校证明",
        medical=Guarantee.State.MET,
        medical_evidence="全家参加城乡居民医保，缴费凭证",
        housing=state,
        housing_evidence="住房安全鉴定（A/B级）" if met else "",
        water=Guarantee.State.MET,
        water_evidence="已通自来水",
    )


def seed_lines(today: datetime.date) -> None:
    """Poverty and exit lines through this year: the latest ones carried forward by 2 % a
    year, marked as example values as the migration's are."""
    latest = PovertyStandard.objects.order_by("-year").first()
    for year in range(latest.year + 1, today.year + 1):
        latest = PovertyStandard.objects.create(
            year=year,
            poverty_line=(latest.poverty_line * Decimal("1.02")).quantize(Decimal(10)),
            exit_line=(latest.exit_line * Decimal("1.02")).quantize(Decimal(10)),
            note=latest.note,
        )


def seed(seed: int) -> int:
    """Fill the ledgers of the demo households that have none; returns how many were filled."""
    rng = random.Random(f"{seed}-ledgers")
    # The years after the campaign draw from a generator of their own, so the campaign's
    # draws (and the demo households they describe) stay what they have always been.
    later = random.Random(f"{seed}-ledgers-after-2018")
    today = timezone.localdate()
    seed_lines(today)
    categories = {category.name: category for category in MeasureCategory.objects.all()}
    members_by_township = {}
    for member in Member.objects.current().select_related("team").order_by("pk"):
        members_by_township.setdefault(member.team.township_id, []).append(member)
    households = list(
        Household.objects.filter(
            village__code__startswith=COUNTY,
            status__in=Household.ACTIVE_STATUSES,
            plans__isnull=True,
        )
        .select_related("main_cause", "contact_cadre")
        .with_head()
        .order_by("number")
    )
    rows = {model: [] for model in (Plan, Measure, Visit, Income, Guarantee)}
    planned = []
    for household in households:
        team = members_by_township.get(household.township_id, [])
        cadre = household.contact_cadre or (rng.choice(team) if team else None)
        head = household.head.name if household.head else ""
        names = ["政策宣传", *CAUSE_MEASURES.get(str(household.main_cause), ["产业帮扶"])]
        members = max(1, household.persons.current().count())
        plan = Plan(
            household=household,
            kind=Plan.Kind.THREE_YEAR,
            year=2016,
            goals=f"针对{household.main_cause or '致贫原因'}，落实{'、'.join(names)}措施，"
            "2018年底前人均可支配收入稳定超过脱贫标准，三保障全部落实。",
            target_income=_yuan(rng, 8000, 10000),
            responsible=cadre,
            agreed_on=datetime.date(2016, rng.randint(7, 11), rng.randint(1, 28)),
            agreed_with=head,
        )
        rows[Plan].append(plan)
        planned.append((plan, [categories[name] for name in names]))
        for year in YEARS:
            rows[Plan].append(
                Plan(
                    household=household,
                    year=year,
                    goals=f"{year}年：落实{'、'.join(names[1:])}，每月走访不少于一次。",
                    target_income=_yuan(rng, 6000 + (year - 2016) * 1200, 9000),
                    responsible=cadre,
                    agreed_on=datetime.date(year, rng.randint(1, 3), rng.randint(1, 28)),
                    agreed_with=head,
                )
            )
            for name in names:
                measure = _measure(rng, household, categories[name], year, cadre)
                # Some of 2018's measures are still planned or under way.
                if year >= 2018 and rng.random() >= 0.6:
                    measure.status = rng.choice(
                        [Measure.Status.PLANNED, Measure.Status.IN_PROGRESS]
                    )
                rows[Measure].append(measure)
            rows[Income].append(_income(rng, household, members, year))
            rows[Guarantee].append(_guarantee(rng, household, year))
        for year in range(YEARS[-1] + 1, today.year + 1):
            rows[Plan].append(
                Plan(
                    household=household,
                    year=year,
                    goals=f"{year}年：巩固{'、'.join(names[1:])}成果，每月走访不少于一次。",
                    target_income=_yuan(later, 9000, 12000),
                    responsible=cadre,
                    agreed_on=datetime.date(year, later.randint(1, 3), later.randint(1, 28)),
                    agreed_with=head,
                )
            )
            if year == today.year:
                break  # this year's income and 三保障 are recorded at its end
            category = categories[later.choice(names)]
            rows[Measure].append(_measure(later, household, category, year, cadre))
            rows[Income].append(_income(later, household, members, year))
            rows[Guarantee].append(_guarantee(later, household, year))
        # Visits through the campaign (most households seen in the last weeks of 2018, so the
        # 2018 dashboard has a few not visited), and in the year before today for "my
        # households".
        campaign_end = datetime.date(2018, 12, 31)
        dates = [
            datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
            for year in (2016, 2017, 2018)
            for _ in range(rng.randint(2, 4))
        ]
        if rng.random() < 0.85:
            dates.append(campaign_end - datetime.timedelta(days=rng.randint(0, 25)))
        dates += [today - datetime.timedelta(days=rng.randint(0, 365)) for _ in range(3)]
        rows[Visit] += [_visit(rng, household, cadre, date) for date in dates]
        # A few visits in each year after the campaign.
        rows[Visit] += [
            _visit(later, household, cadre, _date(later, year))
            for year in range(YEARS[-1] + 1, today.year)
            for _ in range(later.randint(2, 4))
        ]
    with transaction.atomic():
        for model, objs in rows.items():
            bulk_create_with_history(objs, model, batch_size=1000)
        through = Plan.planned_measures.through
        through.objects.bulk_create(
            through(plan_id=plan.pk, measurecategory_id=category.pk)
            for plan, chosen in planned
            for category in chosen
        )
    seed_projects(seed)
    return len(households)


#: (name, category, {source: budget}, status) of each township's demo projects.
Category = Project.Category
PROJECTS = [
    ("百香果种植扶持项目", Category.INDUSTRY, {"fiscal": 60000, "unit": 20000}, "under_way"),
    ("村级光伏电站资产收益项目", Category.ASSET_INCOME, {"fiscal": 80000}, "accepted"),
    ("村道硬底化工程", Category.INFRASTRUCTURE, {"fiscal": 50000, "sector": 90000}, "closed"),
]


def seed_projects(seed: int) -> int:
    """Three projects with budgets and payments in each demo township with a team and none yet.

    Between them they raise every supervision flag at least once: the road is paid from fiscal
    funds and serves no plan; in 示例西2镇 a payment reaches a household that is not a
    beneficiary, in 示例南3镇 one has no voucher, in 示例北4镇 a payment over the budget is
    refused and the budget then raised; in 示例东1镇 a wrong payment is reversed.
    """
    rng = random.Random(f"{seed}-projects")
    townships = (
        Team.objects.filter(township__code__startswith=COUNTY, township__projects__isnull=True)
        .order_by("township")
        .values_list("township", flat=True)
    )
    made = 0
    for code in townships:
        households = list(
            Household.objects.filter(village__parent_id=code, status__in=Household.ACTIVE_STATUSES)
            .with_head()
            .order_by("number")[:12]
        )
        for name, category, budgets, status in PROJECTS:
            _demo_project(rng, code, households, name, category, budgets, status)
            made += 1
    return made


def _demo_project(rng, code, households, name, category, budgets, status):
    year = rng.choice(YEARS)
    project = Project.objects.create(
        township_id=code,
        name=name,
        category=category,
        starts_on=datetime.date(year, 3, 1),
        ends_on=datetime.date(year, 12, 31),
        procurement=Project.Procurement.TENDER
        if category == Project.Category.INFRASTRUCTURE
        else Project.Procurement.DIRECT,
        procurement_ref=f"{code[-3:]}-{year}-{rng.randint(10, 99)}",
        status=status,
        accepted_on=datetime.date(year, 12, 20) if status != "under_way" else None,
        acceptance_record="县扶贫办组织验收，工程质量合格，资金使用规范。"
        if status != "under_way"
        else "",
    )
    set_budgets(project, {source: Decimal(amount) for source, amount in budgets.items()})
    if category == Project.Category.INFRASTRUCTURE:
        for source, amount in budgets.items():
            record_payment(
                project=project,
                source=source,
                amount=Decimal(amount) * Decimal("0.8"),
                user=None,
                date=datetime.date(year, 9, 15),
                payee="县公路工程有限公司",
                voucher=f"记-{year}-{rng.randint(100, 999)}",
                purpose="工程进度款",
            )
        return
    beneficiaries = households[:6]
    project.beneficiaries.set(beneficiaries)
    project.plans.set(Plan.objects.filter(household__in=beneficiaries, kind=Plan.Kind.THREE_YEAR))
    share = Decimal(budgets["fiscal"]) / 8
    paid = []
    for household in beneficiaries:
        paid.append(
            record_payment(
                project=project,
                source=FundSource.FISCAL,
                amount=share,
                user=None,
                date=datetime.date(year, rng.randint(4, 11), rng.randint(1, 28)),
                payee=household.head.name if household.head else household.number,
                household=household,
                voucher=f"记-{year}-{rng.randint(100, 999)}",
                purpose="种苗和农资补助" if category == Project.Category.INDUSTRY else "入股分红",
            )
        )
    if category != Project.Category.INDUSTRY:
        return
    # One irregularity per township, so that each flag shows somewhere.
    township = code[-1]
    if township == "1":
        reverse_payment(
            paid[0],
            user=None,
            date=paid[0].date + datetime.timedelta(days=7),
            purpose="金额录入错误，冲销重录",
            voucher=f"{paid[0].voucher}-冲",
        )
    elif township == "2" and len(households) > 6:
        outsider = households[6]
        record_payment(
            project=project,
            source=FundSource.FISCAL,
            amount=share,
            user=None,
            date=datetime.date(year, 11, 30),
            payee=outsider.head.name if outsider.head else outsider.number,
            household=outsider,
            voucher=f"记-{year}-{rng.randint(100, 999)}",
            purpose="种苗补助",
        )
    elif township == "3":
        record_payment(
            project=project,
            source=FundSource.UNIT,
            amount=Decimal(3000),
            user=None,
            date=datetime.date(year, 6, 1),
            payee="镇农技站",
            voucher="",
            purpose="技术培训",
        )
    elif township == "4":
        # The refused attempt is what the demo shows.
        with contextlib.suppress(PaymentRefused):
            record_payment(
                project=project,
                source=FundSource.UNIT,
                amount=Decimal(budgets["unit"]) + 5000,
                user=None,
                date=datetime.date(year, 7, 1),
                payee="果苗供应商",
                voucher=f"记-{year}-{rng.randint(100, 999)}",
                purpose="果苗采购",
            )
        # … and then the budget is raised.
        set_budgets(project, {FundSource.UNIT: Decimal(budgets["unit"]) + 20000})
