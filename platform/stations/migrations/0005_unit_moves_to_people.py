"""The stations point at ``people.Unit`` and forget their own Unit (moved into the core); state only — the table
``stations_unit`` and the foreign keys to it are unchanged. After dossiers 0007, the last other pointer."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0004_log_changes_for_rollups"),
        ("people", "0001_initial"),
        ("dossiers", "0007_employer_is_a_people_unit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="station",
                    name="unit",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stations",
                        to="people.unit",
                        verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="receptionrecord",
                    name="employer",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.unit",
                        verbose_name="employer",
                    ),
                ),
                migrations.DeleteModel(name="Unit"),
            ],
            database_operations=[],
        ),
    ]
