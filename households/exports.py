"""Excel exports of the registry: the village register (村有册) and the roster (花名册).

Every cell goes through `safe_cell`, so no exported value can run as a formula in Excel.
"""

from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from households.idnumber import mask_id_number
from households.sensitive import mask_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The roster columns of ROSTER.md, in the order the export writes them.
ROSTER_COLUMNS = [
    "户编号",
    "乡镇",
    "行政村",
    "村代码",
    "姓名",
    "证件号码",
    "与户主关系",
    "性别",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工状况",
    "贫困户属性",
    "劳动能力",
    "主要致贫原因",
    "其他致贫原因",
    "联系电话",
    "帮扶责任人",
]


def safe_cell(value):
    """A value Excel shows as text: a leading = + - @ tab or CR is neutralised with a quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _name(item):
    return item.name if item else ""


def _sheet(workbook, title, columns, widths):
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([safe_cell(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def person_row(household, person, *, full, cadre_name):
    """One roster row; household fields only on the head's row (ROSTER.md)."""
    village = household.village
    head = person.is_head
    return [
        household.number,
        village.parent.name,
        village.name,
        village.code,
        person.name,
        person.id_number if full else mask_id_number(person.id_number),
        _name(person.relation),
        person.get_sex_display(),
        _name(person.ethnicity),
        _name(person.education),
        _name(person.in_school),
        _name(person.health),
        _name(person.labour_skill),
        _name(person.work_status),
        _name(household.attribute) if head else "",
        _name(household.ability) if head else "",
        _name(household.main_cause) if head else "",
        "、".join(c.name for c in household.other_causes.all()) if head else "",
        (household.phone if full else mask_phone(household.phone)) if head else "",
        cadre_name if head else "",
    ]


def roster_workbook(title, households, *, full):
    """The registry in the roster format, one row per current member."""
    workbook = Workbook()
    widths = [20, 12, 12, 14, 10, 22, 10, 6, 8, 12, 10, 12, 12, 12, 14, 14, 16, 20, 14, 10]
    sheet = _sheet(workbook, title, ROSTER_COLUMNS, widths)
    for household in households:
        cadre = household.contact_cadre.name if household.contact_cadre else ""
        for person in household.members:
            sheet.append(
                [safe_cell(v) for v in person_row(household, person, full=full, cadre_name=cadre)]
            )
    return workbook


def register_workbook(village, households):
    """The village register (村有册): the roster of one village, masked."""
    title = f"{village.parent.name}{village.name}建档立卡贫困户花名册"
    return roster_workbook(title, households, full=False)


def workbook_response(workbook, filename):
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    workbook.save(response)
    return response
