# The identification assessment was named Assessment, like the assessments app: renamed, rows
# and the items' table kept.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0012_access_actor_help_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="Assessment", new_name="IdentificationAssessment"),
        migrations.AlterField(
            model_name="identificationassessment",
            name="household",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="identification_assessments",
                to="households.household",
                verbose_name="household",
            ),
        ),
    ]
