"""The facts' primary key becomes (scope, tenant, cell), the scope being a 64-bit hash of the metric and period that
the database computes (see ``RollupFact``), and the index by metric and period goes: the primary key finds what it
found, and a new cell costs one index entry instead of two.

Django's primary key stays the key's five columns (it does not take a generated column into a primary key): the
constraint changes in the database only.
"""

from django.db import migrations, models

FORWARD = """
ALTER TABLE rollups_rollupfact DROP CONSTRAINT rollups_rollupfact_pkey;
ALTER TABLE rollups_rollupfact ADD CONSTRAINT rollups_rollupfact_pkey PRIMARY KEY (scope, tenant_id, cell);
"""

BACKWARD = """
ALTER TABLE rollups_rollupfact DROP CONSTRAINT rollups_rollupfact_pkey;
ALTER TABLE rollups_rollupfact ADD CONSTRAINT rollups_rollupfact_pkey PRIMARY KEY (tenant_id, cell);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("rollups", "0009_runs_recorded_lean"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupfact",
            name="scope",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.Func("metric", "period_kind", arg_joiner=" || '|' || ", template="%(expressions)s"),
                    "period_start",
                    template="hashtextextended(%(expressions)s - DATE '2000-01-01')",
                ),
                output_field=models.BigIntegerField(),
            ),
        ),
        # In the database only: Django's primary key stays the key's five columns (see RollupFact).
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveIndex(model_name="rollupfact", name="rollup_fact_by_metric"),
    ]
