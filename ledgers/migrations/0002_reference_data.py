"""The nine measure categories (九到户) and example poverty/exit lines; edited in the admin."""

from decimal import Decimal

from django.db import migrations

CATEGORIES = [
    "政策宣传",
    "产业帮扶",
    "就业服务",
    "社会保障",
    "教育资助",
    "医保救助",
    "危房改造",
    "金融扶持",
    "资产收益",
]

# Example figures: the 2016–2018 relative poverty line is 4,000 yuan a year at 2014 prices,
# carried forward here by about 2 % a year; the exit lines are placeholders. The county or
# province office corrects both in the admin from the year's official notice.
NOTE = "示例数值：请按当年省扶贫办公布的标准在管理后台修改"
STANDARDS = [
    (2016, "4160", "7365"),
    (2017, "4240", "7750"),
    (2018, "4330", "8160"),
    (2019, "4420", "8580"),
    (2020, "4510", "9000"),
]


def seed(apps, schema_editor):
    MeasureCategory = apps.get_model("ledgers", "MeasureCategory")
    PovertyStandard = apps.get_model("ledgers", "PovertyStandard")
    for order, name in enumerate(CATEGORIES, start=1):
        MeasureCategory.objects.get_or_create(name=name, defaults={"order": order})
    for year, poverty_line, exit_line in STANDARDS:
        PovertyStandard.objects.get_or_create(
            year=year,
            defaults={
                "poverty_line": Decimal(poverty_line),
                "exit_line": Decimal(exit_line),
                "note": NOTE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
