"""Recording runs costs less: a run is recorded as running, then updated as done, a hundred per batch. Room left on
every page lets that update stay in place (HOT: no index touched); the runs' tenant has no foreign-key check (a
deferred check per run at every commit; only the engine writes runs) and, like the computed periods' tenant, no
index of its own (the composite index starts with it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rollups", "0008_fact_dims_read_from_key"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="computedperiod",
            name="tenant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenants.tenant"
            ),
        ),
        migrations.AlterField(
            model_name="rolluprun",
            name="tenant",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tenants.tenant",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE rollups_rolluprun SET (fillfactor = 70)", "ALTER TABLE rollups_rolluprun RESET (fillfactor)"
        ),
    ]
