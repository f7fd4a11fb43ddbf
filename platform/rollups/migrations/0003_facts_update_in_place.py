"""Facts are updated in place, a few hundred a minute as changes are applied: room left on every page lets
PostgreSQL update a row without touching the indexes (HOT), and the tenant's own index (the unique key starts
with the tenant) is one index less to maintain. The change log is vacuumed as the queue it is."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rollups', '0002_change_log'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rollupfact',
            name='tenant',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant'),
        ),
        migrations.RunSQL(
            "ALTER TABLE rollups_rollupfact SET (fillfactor = 70)", "ALTER TABLE rollups_rollupfact RESET (fillfactor)"
        ),
        # The change log is a queue: rows come and go within a minute. Vacuumed after every thousand dead rows,
        # not after a fifth of the table, it stays a few pages long, and so does consuming it.
        migrations.RunSQL(
            "ALTER TABLE rollups_change SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
            " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000)",
            "ALTER TABLE rollups_change RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,"
            " autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)",
        ),
    ]
