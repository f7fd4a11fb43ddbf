"""One live dossier per person and union, step 2: the database refuses a second live dossier of an applicant
(a partial unique index; in its own migration, after 0005 has filled the column and set duplicates aside)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_dossier_applicant_index")]

    operations = [
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.UniqueConstraint(
                condition=models.Q(status__in=["draft", "submitted", "reviewed", "filed"])
                & ~models.Q(applicant_index=""),
                fields=("applicant_index",),
                name="dossier_one_live_per_applicant",
            ),
        ),
    ]
