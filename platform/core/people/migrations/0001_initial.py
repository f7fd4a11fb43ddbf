"""The org units move from the stations app into ``core.people``: the model's state only. The table
``stations_unit`` (made by stations 0001, with its constraints and change-log triggers) stays as it is, so no row
moves and the rollups' SQL, which names the table, still reads it."""

import django.db.models.deletion
from django.db import migrations, models

import core.people.validators


class Migration(migrations.Migration):
    initial = True

    dependencies = [("stations", "0004_log_changes_for_rollups")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Unit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("union", "The tenant's own union"),
                                    ("enterprise", "Enterprise"),
                                    ("zone", "Development zone / industrial park"),
                                    ("township", "Township / street"),
                                    ("community", "Community / village"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        (
                            "credit_code",
                            models.CharField(
                                blank=True,
                                max_length=18,
                                validators=[core.people.validators.validate_uscc],
                                verbose_name="unified social credit code",
                            ),
                        ),
                        ("employee_count", models.PositiveIntegerField(blank=True, null=True, verbose_name="employees")),
                        ("has_union", models.BooleanField(default=False, verbose_name="has a union")),
                        ("union_is_sound", models.BooleanField(default=False, verbose_name="union is sound")),
                        (
                            "above_designated_size",
                            models.BooleanField(default=False, verbose_name="above designated size (规模以上)"),
                        ),
                        ("industry", models.CharField(blank=True, max_length=100, verbose_name="industry")),
                        (
                            "without_premises",
                            models.BooleanField(
                                default=False, verbose_name="building-economy enterprise without premises"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        (
                            "parent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="children",
                                to="people.unit",
                                verbose_name="parent unit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "unit",
                        "verbose_name_plural": "units",
                        "db_table": "stations_unit",
                        "ordering": ["kind", "name"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("credit_code", ""), _negated=True),
                                fields=("credit_code",),
                                name="unit_credit_code_unique",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "union")), fields=("kind",), name="unit_one_own_union"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("union_is_sound", False), ("has_union", True), _connector="OR"),
                                name="unit_sound_union_exists",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
