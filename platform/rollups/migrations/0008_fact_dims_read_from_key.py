"""A fact's dimensions are stored once, as their canonical key; ``RollupFact.objects`` reads them as JSON from it
(``rollups.models.FactManager``)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("rollups", "0007_fact_cell_key"),
    ]

    operations = [
        migrations.RemoveField(model_name="rollupfact", name="dims"),
    ]
