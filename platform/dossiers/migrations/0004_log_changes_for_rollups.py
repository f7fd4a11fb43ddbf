"""Log the changes the rollup figures are made of (core.db.LogChanges; the apps' rollups.py list the metrics)."""

from django.db import migrations

from core.db import LogChanges


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_attachments"), ("rollups", "0002_change_log")]

    operations = [
        LogChanges("dossiers_dossier", ["status", "tier", "main_cause", "employer_id"]),
        LogChanges("dossiers_assistance", ["kind", "amount", "given_on"]),
    ]
