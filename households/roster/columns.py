"""The roster's columns (docs/roster.md): one table that the reader, the rules, the export and
the error workbook all use, so adding a column is one change."""

from households.models import ReferenceItem

# The columns of docs/roster.md: key → accepted header names (whitespace removed, ASCII brackets).
COLUMNS = {
    "number": ("户编号", "户号"),
    "township": ("乡镇", "镇", "乡镇(街道)"),
    "village": ("行政村", "村", "村委会"),
    "village_code": ("村代码",),
    "name": ("姓名",),
    "id_number": ("证件号码", "身份证号", "身份证号码"),
    "relation": ("与户主关系",),
    "sex": ("性别",),
    "ethnicity": ("民族",),
    "education": ("文化程度",),
    "in_school": ("在校生状况",),
    "health": ("健康状况",),
    "labour_skill": ("劳动技能",),
    "work_status": ("务工状况",),
    "attribute": ("贫困户属性",),
    "ability": ("劳动能力",),
    "main_cause": ("主要致贫原因",),
    "other_causes": ("其他致贫原因",),
    "phone": ("联系电话",),
    "contact_cadre": ("帮扶责任人",),
    "registered_on": ("建档日期",),
}
#: Optional person columns read through a reference list (model field = column key).
PERSON_REFERENCES = {
    "ethnicity": ReferenceItem.Kind.ETHNICITY,
    "education": ReferenceItem.Kind.EDUCATION,
    "in_school": ReferenceItem.Kind.IN_SCHOOL,
    "health": ReferenceItem.Kind.HEALTH,
    "labour_skill": ReferenceItem.Kind.LABOUR_SKILL,
    "work_status": ReferenceItem.Kind.WORK_STATUS,
}
#: Of those, the columns stored as the item's name, encrypted (sensitive personal information,
#: PIPL art. 28): the others are stored as the item's id.
SEALED_REFERENCES = {"health"}
HOUSEHOLD_REFERENCES = {
    "attribute": ReferenceItem.Kind.ATTRIBUTE,
    "ability": ReferenceItem.Kind.ABILITY,
    "main_cause": ReferenceItem.Kind.CAUSE,
}
HEADER_NAMES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}

REQUIRED_COLUMNS = ["number", "name", "id_number", "relation", "attribute", "main_cause"]


def person_field(key):
    """The Person field of a person reference column."""
    return key if key in SEALED_REFERENCES else f"{key}_id"


#: The fields of a registered person that the roster may change, besides the name.
PERSON_CHANGES = ["relation_id", *map(person_field, PERSON_REFERENCES)]
#: The columns of a new person, before its reference fields (see PersonRow.stored).
PERSON_COLUMNS = [
    "name",
    "id_number",
    "id_number_hash",
    "relation_id",
    "is_head",
    "sex",
    "birth_date",
]
