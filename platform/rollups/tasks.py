"""Rollup tasks: the dispatcher (every minute), the batch computation, and the nightly full run."""

from __future__ import annotations

import logging
from datetime import date

from django_tenants.utils import tenant_context

from worker.tasks import shared_platform_task

log = logging.getLogger(__name__)


@shared_platform_task(name="rollups.dispatch")
def dispatch() -> int:
    """Send the dirty tenant-periods to the workers in batches; returns how many batches were sent."""
    from rollups.services import take_dirty_batches

    batches = take_dirty_batches()
    for batch in batches:
        compute_batch.delay(batch)
    return len(batches)


@shared_platform_task(name="rollups.compute_batch")
def compute_batch(items: list) -> dict:
    """Compute a batch of (schema, period kind, start). One tenant's failure is recorded (RollupRun, shown to the
    municipal union) and leaves its period dirty for the next dispatch; the others go on."""
    from rollups.services import compute_period
    from tenants.models import Tenant

    tenants = {t.schema_name: t for t in Tenant.objects.filter(schema_name__in={i[0] for i in items})}
    done = failed = 0
    for schema, kind, start in items:
        tenant = tenants.get(schema)
        if tenant is None:
            continue
        try:
            with tenant_context(tenant):
                compute_period(tenant, kind, date.fromisoformat(start), trigger="dirty")
            done += 1
        except Exception:
            log.exception("rollup of %s %s %s failed", schema, kind, start)
            failed += 1
    return {"done": done, "failed": failed}


@shared_platform_task(name="rollups.nightly")
def nightly() -> int:
    """Mark every active tenant's current and previous month and year dirty, then dispatch."""
    from rollups.services import mark_all_for_nightly

    count = mark_all_for_nightly()
    dispatch.delay()
    return count
