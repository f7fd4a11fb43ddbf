"""Log the changes the rollup figures are made of (core.db.LogChanges; the apps' rollups.py list the metrics)."""

from django.db import migrations

from core.db import LogChanges


class Migration(migrations.Migration):
    dependencies = [("stations", "0003_reception_links_dossier"), ("rollups", "0002_change_log")]

    operations = [
        LogChanges("stations_unit", ["kind", "has_union", "above_designated_size"]),
        LogChanges("stations_station", ["kind", "established_on", "closed_on", "unit_id"]),
        LogChanges("stations_receptionrecord", ["stage", "category", "visited_at", "station_id"]),
        LogChanges("stations_fundentry", ["kind", "source", "amount", "booked_on"]),
        LogChanges("stations_stationpolicy", ["reception_time_limit_days"]),
    ]
