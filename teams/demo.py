"""The made-up demo county (codes under 4499) for `seed_demo`: areas, units, teams, accounts.

Every name is obviously fictional (示例…) so nobody mistakes the demo for real people. Rows are
found by their natural keys, so running the seed twice changes nothing.
"""

import base64
import datetime
import random

from django_otp.plugins.otp_totp.models import TOTPDevice

from teams.models import Member, Team, Unit, User, VillageWorkTeam
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


def seed(rng: random.Random):
    seed_areas()
    seed_units()
    seed_teams(rng)
    return seed_accounts()
