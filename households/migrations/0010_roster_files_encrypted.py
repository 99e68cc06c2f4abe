# Uploaded rosters are stored encrypted with the field key (SealedStorage); the files already
# uploaded are encrypted in place.

from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import households.sensitive


def seal_files(apps, schema_editor):
    for name in apps.get_model("households", "ImportJob").objects.exclude(file="").values_list(
        "file", flat=True
    ):
        path = Path(settings.MEDIA_ROOT) / name
        if not path.exists():
            continue
        data = path.read_bytes()
        if not households.sensitive.is_sealed_file(data):
            path.write_bytes(households.sensitive.encrypt_bytes(data))


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0009_health_disability_encrypted"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.FileField(
                storage=households.sensitive.sealed_storage,
                upload_to="imports/%Y/%m/",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(seal_files, migrations.RunPython.noop, hints={"transforms_rows": True}),
    ]
