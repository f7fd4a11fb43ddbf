"""The dossier's employer points at ``people.Unit`` (the unit moved into the core); state only — the column and its
foreign key to ``stations_unit`` are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0006_one_live_dossier_per_applicant"), ("people", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dossier",
                    name="employer",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.unit",
                        verbose_name="employer",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
