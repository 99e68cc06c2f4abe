"""Rosters for the import tests: the areas of 示例县 and small workbooks written on the fly."""

import io
import zipfile

from openpyxl import Workbook

from households.idnumber import check_character
from teams.models import Team
from tests.factories import AreaFactory, MemberFactory, TeamFactory

HEADER = [
    "户编号", "乡镇", "行政村", "姓名", "证件号码", "与户主关系", "性别", "民族",
    "贫困户属性", "劳动能力", "主要致贫原因", "其他致贫原因", "联系电话", "帮扶责任人",
]  # fmt: skip
NUMBER = "44990110120100001"
OTHER_NUMBER = "44990110120200002"


def id_number(born="19800101", serial="123"):
    first17 = f"449901{born}{serial}"
    return first17 + check_character(first17)


HEAD_ID = id_number("19600101", "011")  # a man
SPOUSE_ID = id_number("19620202", "022")  # a woman
CHILD_ID = id_number("19900303", "031")  # a man


def person(number=NUMBER, name="张大山", id_number=HEAD_ID, relation="户主", **fields):
    """One roster row; the household columns are filled on the head's row."""
    row = {
        "户编号": number,
        "乡镇": "示例东1镇",
        "行政村": "石塘1村",
        "姓名": name,
        "证件号码": id_number,
        "与户主关系": relation,
        "民族": "汉族",
    }
    if relation == "户主":
        row.update({"贫困户属性": "一般贫困户", "劳动能力": "有劳动能力", "主要致贫原因": "因病"})
    row.update(fields)
    return row


def family(number=NUMBER, **head_fields):
    return [
        person(number, **head_fields),
        person(number, "李小花", SPOUSE_ID, "配偶"),
        person(number, "张小山", CHILD_ID, "子"),
    ]


def write_roster(path, rows, header=HEADER, title="示例县建档立卡贫困人口花名册"):
    """Write ``rows`` (dicts by header name) under a title row; returns the path."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name, "") for name in header])
    workbook.save(path)
    return path


def roster_bytes(rows, **kwargs):
    buffer = io.BytesIO()
    write_roster(buffer, rows, **kwargs)
    return buffer.getvalue()


def rewrite_zip(source, target, replace):
    """Copy the xlsx ``source`` to ``target`` with some members' bytes replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, replace(item.filename, data))
    return target


def create_county():
    """示例县 with two townships, their villages and the east township's team."""
    county = AreaFactory(code="449901", name="示例县")
    east = AreaFactory(code="449901101", name="示例东1镇")
    AreaFactory(code="449901101201", name="石塘1村")
    AreaFactory(code="449901101202", name="新坑2村")
    AreaFactory(code="449901102", name="示例西2镇")
    AreaFactory(code="449901102201", name="石坑1村")
    AreaFactory(code="449902101201", name="别县1村")
    team = Team.objects.filter(township=east).first() or TeamFactory(township=east)
    MemberFactory(team=team, name="王干部")
    return county
