"""Demo review data for `seed_demo`: exit targets 2016–2018 near the exits made, one assessment
cycle (2017), inspections with rectification items (one of them overdue) and exit reviews.

Skips what exists (natural keys), so running the seed twice changes nothing.
"""

import csv
import datetime
import random
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from assessments import quality, services
from assessments.models import ExitReview, ExitStep, ExitTarget, Inspection, Outcome, exited_in
from households.crosschecks import crosscheck_import
from households.idnumber import compose_id_number
from households.models import Household, ListKind, OutsideList, Person
from teams.models import Area, Team

COUNTY = "449901"
CYCLE = 2017
LEAD_BORN = datetime.date(1956, 4, 2)
FINDINGS = [
    ("部分贫困户帮扶记录簿未按月更新，走访记录缺少照片佐证。", "补齐帮扶记录簿走访记录和照片"),
    ("公示牌未更新帮扶干部联系电话。", "更新公示牌干部信息"),
    ("个别驻村干部在岗天数不足。", "落实驻村干部在岗考勤"),
]


@transaction.atomic
def seed(seed: int) -> int:
    """Returns the number of inspections created."""
    rng = random.Random(f"{seed}-assessments")
    teams = list(Team.objects.in_area(COUNTY).select_related("township").order_by("township"))
    if not Team.objects.filter(pk__in=[t.pk for t in teams], assessments__year=CYCLE).exists():
        services.assessments_compute(teams=teams, year=CYCLE)
    created = 0
    for index, team in enumerate(teams):
        if team.inspections.exists():
            continue
        finding, item = FINDINGS[index % len(FINDINGS)]
        inspection = Inspection.objects.create(
            team=team,
            date=datetime.date(CYCLE, 9, 10 + index),
            kind=Inspection.Kind.REGULAR if index % 2 == 0 else Inspection.Kind.RANDOM,
            inspectors="县扶贫办督查组",
            findings=finding,
        )
        created += 1
        closed = index != 0  # the first team's item stays open past its deadline
        inspection.rectifications.create(
            item=item,
            owner="镇党委书记",
            deadline=datetime.date(CYCLE, 10, 31),
            progress="已部署整改" if not closed else "已整改完毕",
            evidence="" if not closed else "整改台账及照片",
            closed_on=None if not closed else datetime.date(CYCLE, 10, 20),
        )
    _outcomes(teams)
    _exit_reviews()
    _exit_targets(rng)
    _crosschecks()
    return created


def _crosschecks():
    """A vehicle list naming a member of the first township and a 低保 list naming somebody in
    no household (a lead), matched as a county office would; then the data-quality rules."""
    county = Area.objects.get(code=COUNTY)
    if not OutsideList.objects.filter(county=county).exists():
        member = (
            Person.objects.unscoped()
            .current()
            .filter(
                household__village__parent__code__startswith=COUNTY, household__status="registered"
            )
            .order_by("household__number")
            .first()
        )
        lists = [
            ("vehicle", ["姓名", "身份证号", "号牌号码", "车辆类型"],
             [member.name, member.id_number, "粤J·D8866", "小型轿车"]),
            ("dibao", ["姓名", "身份证号", "乡镇", "保障金额"],
             ["黄某某", compose_id_number(COUNTY, LEAD_BORN, 28), "示例东1镇", "380"]),
        ]  # fmt: skip
        with tempfile.TemporaryDirectory() as workdir:
            for code, header, row in lists:
                path = Path(workdir) / f"{code}.csv"
                with path.open("w", encoding="utf-8", newline="") as out:
                    csv.writer(out).writerows([header, row])
                crosscheck_import(
                    path,
                    kind=ListKind.objects.get(code=code),
                    county=county,
                    as_of=timezone.localdate(),
                    file_name=f"示例县{ListKind.objects.get(code=code).name}.csv",
                )
    quality.run_rules(Household.objects.unscoped().in_area(COUNTY))


def _exit_targets(rng):
    """Each township's target for 2016–2018 near the exits it made: some meet it, some not."""
    townships = Area.objects.in_area(COUNTY).filter(level=Area.Level.TOWNSHIP).order_by("code")
    for township in townships:
        households = Household.objects.in_area(township.code)
        for year in (2016, 2017, 2018):
            exits = households.filter(exited_in(year)).count()
            ExitTarget.objects.get_or_create(
                township=township,
                year=year,
                defaults={"households": max(1, exits + rng.choice([-1, 0, 1, 2]))},
            )


def _outcomes(teams):
    assessed = [t for t in teams if t.assessments.filter(year=CYCLE).exists()]
    if not assessed or Outcome.objects.filter(team__in=assessed, year=CYCLE).exists():
        return
    first, last = assessed[0], assessed[-1]
    first.assessments.filter(year=CYCLE).update(score=92, grade="excellent", comment="任务完成好")
    last.assessments.filter(year=CYCLE).update(score=58, grade="poor", comment="年度任务未完成")
    Outcome.objects.create(
        kind=Outcome.Kind.TALK,
        team=last,
        year=CYCLE,
        date=datetime.date(CYCLE + 1, 1, 15),
        owner="县委组织部",
        note="年度脱贫任务未完成，约谈工作组组长。",
    )
    Outcome.objects.create(
        kind=Outcome.Kind.RECTIFY,
        team=last,
        year=CYCLE,
        date=datetime.date(CYCLE + 1, 1, 15),
        deadline=datetime.date(CYCLE + 1, 3, 31),
        owner="镇党委书记",
        note="限期补齐帮扶台账。",
    )


def _exit_reviews():
    """Open the exit review of a few households meeting the 2017 rule; announce two of them."""
    if ExitReview.objects.filter(household__village__code__startswith=COUNTY).exists():
        return
    proposed = datetime.date(CYCLE, 11, 1)
    in_poverty_then = Household.objects.in_area(COUNTY).filter(status_since__lte=proposed)
    candidates = list(services.exit_candidates(in_poverty_then, CYCLE).order_by("number")[:4])
    for index, household in enumerate(candidates):
        review = services.exit_review_propose(
            household=household, year=CYCLE, by=None, date=proposed
        )
        last = ExitStep.Step.ANNOUNCEMENT if index < 2 else ExitStep.Step.AGREEMENT
        for offset, step in enumerate(ExitStep.Step):
            on = datetime.date(CYCLE, 11, 5 + 7 * offset)
            notice = {
                "notice_until": on + datetime.timedelta(days=6),
                "issued_by": f"{household.village.name}村民委员会",
                "complaint_phone": "0755-12317",
            }
            services.exit_record_step(
                review=review,
                step=step,
                date=on,
                responsible="县扶贫办" if step == ExitStep.Step.ANNOUNCEMENT else "镇帮扶工作组",
                outcome=ExitStep.Outcome.PASSED,
                by=None,
                **(notice if step == ExitStep.Step.NOTICE else {}),
            )
            if step == last:
                break
