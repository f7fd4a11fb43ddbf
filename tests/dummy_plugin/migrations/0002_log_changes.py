from django.db import migrations

from core.db import LogChanges


class Migration(migrations.Migration):
    dependencies = [("dummy_plugin", "0001_initial"), ("rollups", "0002_change_log")]

    operations = [LogChanges("dummy_plugin_thing", ["amount"])]
