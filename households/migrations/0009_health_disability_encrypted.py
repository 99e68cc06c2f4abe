# Health and disability are sensitive personal information (PIPL art. 28): they become encrypted
# columns, in the persons and in every earlier version of them. The health status was a link to
# a reference item (plain at rest); it is now the item's name, encrypted.

from django.db import migrations, models

import households.sensitive

BATCH = 2000


def seal(apps, schema_editor):
    for model_name in ("Person", "HistoricalPerson"):
        model = apps.get_model("households", model_name)
        rows = model.objects.filter(
            models.Q(health_item__isnull=False) | models.Q(disability_number__isnull=False)
        ).select_related("health_item")
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            row.health = row.health_item.name if row.health_item else ""
            row.disability_grade = str(row.disability_number or "")
            batch.append(row)
            if len(batch) == BATCH:
                model.objects.bulk_update(batch, ["health", "disability_grade"])
                batch = []
        model.objects.bulk_update(batch, ["health", "disability_grade"])


def unseal(apps, schema_editor):
    item_model = apps.get_model("households", "ReferenceItem")
    items = {item.name: item for item in item_model.objects.filter(kind="health")}
    for model_name in ("Person", "HistoricalPerson"):
        model = apps.get_model("households", model_name)
        batch = []
        for row in model.objects.exclude(health="", disability_grade="").iterator():
            row.health_item = items.get(row.health)
            row.disability_number = int(row.disability_grade) if row.disability_grade else None
            batch.append(row)
        model.objects.bulk_update(batch, ["health_item", "disability_number"], batch_size=BATCH)


GRADES = [("1", "Grade 1"), ("2", "Grade 2"), ("3", "Grade 3"), ("4", "Grade 4")]


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0008_disclosure_clash_neutral_id_message"),
    ]

    operations = [
        *(
            operation
            for model_name in ("person", "historicalperson")
            for operation in (
                migrations.RenameField(model_name, "health", "health_item"),
                migrations.RenameField(model_name, "disability_grade", "disability_number"),
                migrations.AddField(
                    model_name,
                    "health",
                    households.sensitive.EncryptedTextField(
                        blank=True, default="", verbose_name="health"
                    ),
                ),
                migrations.AddField(
                    model_name,
                    "disability_grade",
                    households.sensitive.EncryptedTextField(
                        blank=True, choices=GRADES, default="", verbose_name="disability grade"
                    ),
                ),
            )
        ),
        # Not a list seeded for tests to re-run (tests/conftest.py): the rows of its time.
        migrations.RunPython(seal, unseal, hints={"transforms_rows": True}),
        *(
            migrations.RemoveField(model_name, field)
            for model_name in ("person", "historicalperson")
            for field in ("health_item", "disability_number")
        ),
    ]
