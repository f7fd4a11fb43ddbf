"""The Celery app.

Redis is the broker. ``tenant_schemas_celery`` puts the sender's schema into each message's ``_schema_name``
header and switches the worker's connection to it before the task runs; our task kinds in ``worker.tasks`` then
insist on it: a tenant-scoped task without a tenant is refused, never run in the public schema.
"""

import os
import sys
from pathlib import Path

_root = Path(__file__).resolve().parent.parent
for _path in (str(_root), str(_root / "platform")):
    if _path not in sys.path:
        sys.path.append(_path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

from celery import signals  # noqa: E402
from tenant_schemas_celery.app import CeleryApp  # noqa: E402

app = CeleryApp("bangfu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(lambda: ["tenants", "worker", "core", "rollups"])


@signals.worker_init.connect
def _keep_database_sessions(**_kwargs):
    """A worker keeps its database connections (``BANGFU_WORKER_DB_CONN_MAX_AGE``, default 600 s, whatever the web
    uses): the rollup engine's prepared statements, planned once per session, then serve every later task."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = int(os.environ.get("BANGFU_WORKER_DB_CONN_MAX_AGE", "600"))
        database["CONN_HEALTH_CHECKS"] = True
