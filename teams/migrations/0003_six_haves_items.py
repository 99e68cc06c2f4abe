from django.db import migrations

#: The 六有 of a township team (粤扶办〔2016〕98号, docs/domain.md §3.1).
ITEMS = [
    ("固定办公场所", "有固定的办公场所"),
    ("固定工作人员", "有固定的工作人员"),
    ("公示牌", "公示组长、成员的姓名、分工、电话、任务，工作制度、纪律和资金管理制度"),
    ("攻坚图", "分散贫困户按村分布的攻坚作战图"),
    ("贫困户核查档案", "贫困户的核查档案"),
    ("干部工作手册", "帮扶干部工作手册"),
]


def add_items(apps, schema_editor):
    SixHavesItem = apps.get_model("teams", "SixHavesItem")
    for order, (name, description) in enumerate(ITEMS, start=1):
        SixHavesItem.objects.get_or_create(
            name=name, defaults={"description": description, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("teams", "0002_work_systems")]

    operations = [migrations.RunPython(add_items, migrations.RunPython.noop)]
