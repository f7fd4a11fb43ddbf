"""The facts' primary key becomes (tenant, cell), the cell being a 64-bit hash of the rest of the key that the
database computes (see ``RollupFact``); the index by metric and period ends with the tenant, so that it also finds
one tenant's facts of a metric for a period.

Django's primary key stays the key's five columns (it does not take a generated column into a primary key): the
constraint changes in the database only.
"""

from django.db import migrations, models

FORWARD = """
ALTER TABLE rollups_rollupfact DROP CONSTRAINT rollups_rollupfact_pkey;
ALTER TABLE rollups_rollupfact ADD CONSTRAINT rollups_rollupfact_pkey PRIMARY KEY (tenant_id, cell);
"""

BACKWARD = """
ALTER TABLE rollups_rollupfact DROP CONSTRAINT rollups_rollupfact_pkey;
ALTER TABLE rollups_rollupfact ADD CONSTRAINT rollups_rollupfact_pkey
    PRIMARY KEY (tenant_id, period_kind, period_start, metric, dims_key);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("rollups", "0006_fact_key_is_primary"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupfact",
            name="cell",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.Func("metric", "period_kind", "dims_key", arg_joiner=" || '|' || ", template="%(expressions)s"),
                    "period_start",
                    template="hashtextextended(%(expressions)s - DATE '2000-01-01')",
                ),
                output_field=models.BigIntegerField(),
            ),
        ),
        # In the database only: Django's primary key stays the key's five columns (see RollupFact).
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveIndex(model_name="rollupfact", name="rollups_rol_metric_63dfc3_idx"),
        migrations.AddIndex(
            model_name="rollupfact",
            index=models.Index(fields=["metric", "period_kind", "period_start", "tenant"], name="rollup_fact_by_metric"),
        ),
    ]
