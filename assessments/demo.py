"""Demo review data for `seed_demo`: exit targets 2016–2018 near the exits made, one assessment
cycle (2017), inspections with rectification items (one of them overdue) and exit reviews.

Skips what exists (natural keys), so running the seed twice changes nothing.
"""

import datetime
import random

from django.db import transaction

from assessments import services
from assessments.models import ExitReview, ExitStep, ExitTarget, Inspection, Outcome, exited_in
from households.models import Household
from teams.models import Area, Team

COUNTY = "449901"
CYCLE = 2017
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
    return created


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
