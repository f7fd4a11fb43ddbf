"""Task kinds and the platform's own tasks.

Every task is declared either **tenant-scoped** (``@tenant_task``: runs in one tenant's schema, named by the
``_schema_name`` header) or **shared** (``@shared_platform_task``: dispatchers, provisioning; runs in the public
schema). A tenant-scoped task that arrives without a tenant — no header, the public schema, or a schema whose
tenant does not exist — raises ``TenantRequired`` and is rejected without retry; it never falls back to public.

Send tenant work with ``send_to_tenant(task, tenant, ...)``, which names the tenant explicitly, and only after the
sending transaction commits (``transaction.on_commit``) so the worker sees what the sender wrote.
"""

from __future__ import annotations

import logging

from celery import Task
from celery.exceptions import Reject
from django.db import OperationalError, connection
from tenant_schemas_celery.app import get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

from worker.celery import app

log = logging.getLogger(__name__)

RETRY_OPTIONS = {
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


class TenantRequired(Exception):
    """A tenant-scoped task was sent without a (valid) tenant."""


class TenantScopedTask(TenantTask):
    abstract = True
    scope = "tenant"

    def __call__(self, *args, **kwargs):
        schema = get_schema_name_from_task(self, kwargs)
        current = getattr(connection, "schema_name", "public")
        if not schema or schema == "public" or current != schema:
            log.error("refused tenant-scoped task %s without a tenant (header=%r)", self.name, schema)
            exc = TenantRequired(f"{self.name} is tenant-scoped and arrived without a tenant")
            if self.request.called_directly or self.request.is_eager:
                raise exc
            # Record the refusal as the task's failure, then reject the message (no retry, no requeue).
            self.backend.mark_as_failure(self.request.id, exc, request=self.request)
            raise Reject(exc, requeue=False)
        return super().__call__(*args, **kwargs)


class SharedTask(TenantTask):
    abstract = True
    scope = "shared"

    def __call__(self, *args, **kwargs):
        connection.set_schema_to_public()
        return super().__call__(*args, **kwargs)


def tenant_task(*args, **options):
    """Declare a tenant-scoped task (runs in the schema of the tenant it was sent to)."""
    return app.task(*args, base=TenantScopedTask, **{**RETRY_OPTIONS, **options})


def shared_platform_task(*args, **options):
    """Declare a shared task (runs in the public schema)."""
    return app.task(*args, base=SharedTask, **{**RETRY_OPTIONS, **options})


def send_to_tenant(task: Task, tenant, args=None, kwargs=None, **options):
    """Send a tenant-scoped task to one tenant."""
    headers = {**(options.pop("headers", None) or {}), "_schema_name": tenant.schema_name}
    return task.apply_async(args=args, kwargs=kwargs, headers=headers, **options)


@shared_platform_task(name="worker.dispatch_to_tenants")
def dispatch_to_tenants(task_name: str, plugin: str | None = None, kwargs: dict | None = None) -> int:
    """Send a tenant-scoped task to every active tenant (where `plugin` is active, when given)."""
    # The worker sits below the tenants app: it reaches the tenant model and the activations through the settings
    # and the app registry, never by importing them.
    from django_tenants.utils import get_public_schema_name, get_tenant_model

    from core.plugins import registry, tenants_where_active

    tenants = get_tenant_model().objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
    if plugin:
        app_config = registry.get_app(plugin)
        tenants = tenants_where_active(app_config, tenants) if app_config is not None else tenants.none()
    task = app.tasks[task_name]
    count = 0
    for tenant in tenants.only("pk", "schema_name").iterator():
        send_to_tenant(task, tenant, kwargs=kwargs or {})
        count += 1
    return count


@shared_platform_task(name="worker.ping")
def ping() -> dict:
    """Liveness probe; also proves the standard library's `platform` is the one the worker imports."""
    import platform

    return {"pong": True, "platform": platform.system(), "schema": connection.schema_name}
