"""The made-up demo county (codes under 4499) for `seed_demo`: areas, units, teams, accounts,
and the teams' work: records, 六有 checks, groups covering villages, presence on site.

Every name is obviously fictional (示例…) so nobody mistakes the demo for real people. Rows are
found by their natural keys, so running the seed twice changes nothing.
"""

import base64
import datetime
import random

from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.models import (
    Area,
    Member,
    Presence,
    SixHavesCheck,
    SixHavesItem,
    Team,
    Unit,
    User,
    VillageWorkTeam,
    WorkGroup,
    WorkRecord,
    add_months,
)
from teams.services import areas_load
from teams.two_factor import needs_two_factor

DEMO_PASSWORD = "bangfu-2016"
#: The TOTP key of the demo office accounts, for any authenticator app. DEMO ONLY: it is printed
#: by seed_demo and written in the README, so it protects nothing.
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"
PROVINCE, CITY, COUNTY = "44", "4499", "449901"
TOWNSHIPS = [
    ("101", "示例东1镇", ["石塘1村", "新坑2村", "大岭3村", "小村4村"]),
    ("102", "示例西2镇", ["石坑1村", "新岭2村", "大村3村", "小田4村"]),
    ("103", "示例南3镇", ["石岭1村", "新村2村", "大田3村", "小湾4村"]),
    ("104", "示例北4镇", ["石桥1村", "新塘2村", "大坪3村", "小坑4村", "上洞5村"]),
    ("105", "示例中5镇", ["石门1村", "新田2村", "大湾3村"]),
]
#: The last township has registered households but no team yet: a finding for the dashboard.
TOWNSHIP_WITHOUT_TEAM = COUNTY + "105"

UNITS = [
    # name, level, holds a poor-village assignment, head
    ("示例省直属示例厅", Unit.Level.PROVINCIAL, True, "示例甲", PROVINCE),
    ("示例对口帮扶市示例局", Unit.Level.PRD, False, "示例乙", PROVINCE),
    ("示例市交通运输局", Unit.Level.CITY, True, "示例丙", CITY),
    ("示例市供电局", Unit.Level.CITY, False, "示例丁", CITY),
    ("示例县人民医院", Unit.Level.COUNTY, False, "示例戊", COUNTY),
    ("示例县农商银行", Unit.Level.COUNTY, False, "示例己", COUNTY),
    ("示例县教育局", Unit.Level.COUNTY, False, "示例庚", COUNTY),
]
SURNAMES = "陈李黄张梁刘林吴何郭罗杨郑谢周邓许冯曾蔡"
GIVEN = [
    "伟",
    "芳",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "丽",
    "华",
    "平",
    "志明",
    "建华",
    "国强",
    "海燕",
    "春梅",
    "小红",
]


def demo_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def demo_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def seed_areas():
    rows = [(1, PROVINCE, "示例省"), (2, CITY, "示例市"), (3, COUNTY, "示例县")]
    for township, name, villages in TOWNSHIPS:
        rows.append((len(rows) + 1, COUNTY + township, name))
        for number, village in enumerate(villages, start=201):
            rows.append((len(rows) + 1, f"{COUNTY}{township}{number}", village))
    areas_load(rows=rows)


def seed_units():
    for name, level, assigned, head, area in UNITS:
        Unit.objects.get_or_create(
            name=name,
            defaults={
                "level": level,
                "has_poor_village_assignment": assigned,
                "head": head,
                "head_phone": "0768-0000000",
                "area_id": area,
            },
        )


def seed_teams(rng: random.Random):
    """A team per township but one, with leaders, cadres, stationed cadres and a captain."""
    stationing = list(Unit.objects.filter(has_poor_village_assignment=False).order_by("name"))
    assigned = Unit.objects.filter(has_poor_village_assignment=True).order_by("name").first()
    for township, name, villages in TOWNSHIPS:
        code = COUNTY + township
        if code == TOWNSHIP_WITHOUT_TEAM:
            continue
        team, created = Team.objects.get_or_create(
            township_id=code,
            defaults={
                "established": datetime.date(2016, 6, 1),
                "office_address": f"{name}人民政府二楼帮扶办",
                "office_phone": f"0768-{rng.randrange(10**7):07d}",
                "tasks": "精准识贫、建档立卡、一户一法、九到户帮扶、项目资金监管",
            },
        )
        if not created:
            continue
        joined = team.established
        people = [
            ("书记", Member.Source.LEADER, Member.Role.LEADER, None, "全面负责"),
            ("镇长", Member.Source.LEADER, Member.Role.DEPUTY, None, "统筹项目与资金"),
            ("副镇长", Member.Source.LEADER, Member.Role.MEMBER, None, "产业帮扶"),
            ("扶贫办主任", Member.Source.CADRE, Member.Role.MEMBER, None, "建档立卡、台账"),
            ("科员", Member.Source.CADRE, Member.Role.MEMBER, None, "就业与社保"),
            ("科员", Member.Source.CADRE, Member.Role.MEMBER, None, "教育与医疗救助"),
        ]
        for unit in rng.sample(stationing, 2):
            people.append(
                (
                    "驻镇干部",
                    Member.Source.STATIONED,
                    Member.Role.MEMBER,
                    unit,
                    "联系" + rng.choice(villages),
                )
            )
        for post, source, role, unit, duties in people:
            Member.objects.create(
                team=team,
                name=demo_name(rng),
                post=post,
                source=source,
                role=role,
                unit=unit,
                duties=duties,
                tasks="联系帮扶贫困户，不脱贫不脱钩",
                phone=demo_phone(rng),
                joined=joined,
            )
        village_code = f"{code}201"
        VillageWorkTeam.objects.get_or_create(
            village_id=village_code,
            defaults={
                "unit": assigned,
                "captain": demo_name(rng),
                "captain_phone": demo_phone(rng),
                "arrived": joined,
                "members": "\n".join(demo_name(rng) for _ in range(2)),
            },
        )


def seed_accounts():
    """One demo account per role; township accounts are linked to team members."""
    accounts = [
        ("admin", "系统管理员", None, User.Role.COUNTY, True),
        ("province", "示例省扶贫办", PROVINCE, User.Role.PROVINCE, True),
        ("city", "示例市扶贫办", CITY, User.Role.CITY, True),
        ("county", "示例县扶贫办", COUNTY, User.Role.COUNTY, True),
        ("east_leader", "示例东1镇组长", COUNTY + "101", User.Role.TOWNSHIP, False),
        ("east_cadre", "示例东1镇干部", COUNTY + "101", User.Role.TOWNSHIP, False),
        ("west_cadre", "示例西2镇干部", COUNTY + "102", User.Role.TOWNSHIP, False),
    ]
    links = {
        "east_leader": Member.Role.LEADER,
        "east_cadre": Member.Role.MEMBER,
        "west_cadre": Member.Role.MEMBER,
    }
    for username, full_name, area, role, staff in accounts:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "area_id": area,
                "role": role,
                "is_staff": staff,
                "is_superuser": username == "admin",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if username in links and not hasattr(user, "member"):
            member = (
                Member.objects.current()
                .filter(
                    team__township_id=area,
                    user__isnull=True,
                    role=links[username],
                    source__in=["leader", "cadre"],
                )
                .order_by("pk")
                .first()
            )
            if member:
                member.user = user
                member.save(update_fields=["user"])
        if needs_two_factor(user):
            TOTPDevice.objects.get_or_create(
                user=user,
                name="demo",
                defaults={
                    "key": base64.b32decode(DEMO_TOTP_SECRET).hex(),
                    "confirmed": True,
                },
            )
    return [
        (username, f"{full_name}  TOTP {DEMO_TOTP_SECRET} (demo only)" if staff else full_name)
        for username, full_name, _area, _role, staff in accounts
    ]


#: The demo's team short of two 六有 items, and the township with a village no group covers.
SHORT_OF_SIX_HAVES = COUNTY + "101", ["攻坚图", "贫困户核查档案"]
TOWNSHIP_WITH_UNCOVERED_VILLAGE = COUNTY + "104"
#: The township whose first stationed cadre is long absent at the end of 2017.
TOWNSHIP_WITH_ABSENCE = COUNTY + "102"
RECORDS = [
    # month, kind, title
    (1, WorkRecord.Kind.STUDY, "学习粤扶办〔2016〕98号文件精神"),
    (2, WorkRecord.Kind.MEETING, "2017年帮扶工作部署会"),
    (3, WorkRecord.Kind.ANALYSIS, "一季度贫困户收入情况分析研判"),
    (4, WorkRecord.Kind.REPORT, "一季度帮扶工作情况报告"),
    (6, WorkRecord.Kind.MEETING, "产业帮扶项目推进会"),
    (7, WorkRecord.Kind.STUDY, "学习“四看、五优先、六进、七不进”识别方法"),
    (9, WorkRecord.Kind.ANALYSIS, "三季度脱贫进度分析研判"),
    (10, WorkRecord.Kind.REPORT, "三季度帮扶工作情况报告"),
]


def seed_work(rng: random.Random):
    """Work records, 六有 checks, groups and a year of presence for every demo team."""
    county_user = User.objects.get(username="county")
    items = list(SixHavesItem.objects.all())
    for team in Team.objects.in_area(COUNTY).select_related("township"):
        members = list(team.members.current().order_by("pk"))
        day = 5 + 3 * int(team.township_id[-1])
        for month, kind, title in RECORDS:
            # Draw whether or not the row exists, so a second run draws the same numbers.
            attendees = rng.sample(members, min(len(members), 5))
            record, created = WorkRecord.objects.get_or_create(
                team=team,
                date=datetime.date(2017, month, day),
                kind=kind,
                title=title,
                defaults={
                    "content": f"{team.township.name}帮扶工作组{title}。",
                    "decisions": "各帮扶联系干部按时走访，更新帮扶记录簿。",
                    "created_by": county_user,
                },
            )
            if created:
                record.attendees.set(attendees)
        seed_six_haves(team, items, county_user)
        seed_groups(team, members)
        seed_presence(rng, team, county_user)


def seed_six_haves(team, items, checked_by):
    code, missing = SHORT_OF_SIX_HAVES
    for checked_on in [datetime.date(2016, 9, 1), datetime.date(2017, 3, 1)]:
        for item in items:
            met = team.township_id != code or item.name not in missing
            SixHavesCheck.objects.get_or_create(
                team=team,
                item=item,
                checked_on=checked_on,
                defaults={
                    "met": met,
                    "evidence": "现场查看，资料齐全" if met else "现场查看，尚未建立",
                    "checked_by": checked_by,
                },
            )


def seed_groups(team, members):
    villages = list(Area.objects.filter(parent=team.township).order_by("code"))
    if team.township_id == TOWNSHIP_WITH_UNCOVERED_VILLAGE:
        villages = villages[:-1]
    half = (len(villages) + 1) // 2
    for number, (covered, cadres) in enumerate(
        [(villages[:half], members[0::2]), (villages[half:], members[1::2])], start=1
    ):
        group, created = WorkGroup.objects.get_or_create(team=team, name=f"第{number}片区组")
        if created:
            group.villages.set(covered)
            group.members.set(cadres)


def seed_presence(rng, team, entered_by):
    stationed = team.members.current().filter(source__in=Presence.STATIONED_SOURCES)
    absent = stationed.order_by("pk").first() if team.township_id == TOWNSHIP_WITH_ABSENCE else None
    for member in stationed:
        for n in range(12):
            month = add_months(datetime.date(2017, 1, 1), n)
            days = rng.randint(5, 12) if member == absent and n >= 9 else rng.randint(20, 26)
            Presence.objects.get_or_create(
                member=member,
                month=month,
                defaults={"days_on_site": days, "entered_by": entered_by},
            )


def seed(rng: random.Random):
    # The work seed gets its own generator, so it is the same whatever the others consumed.
    work_rng = random.Random(f"{rng.random()}-teamwork")
    seed_areas()
    seed_units()
    seed_teams(rng)
    accounts = seed_accounts()
    seed_work(work_rng)
    return accounts
