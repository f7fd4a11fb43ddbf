"""Rollup tasks: the dispatcher (every minute), the batch computations, and the nightly full run."""

from __future__ import annotations

import logging

from worker.tasks import shared_platform_task

log = logging.getLogger(__name__)


@shared_platform_task(name="rollups.dispatch")
def dispatch() -> dict:
    """Send the tenants with logged changes and the dirty tenant-periods to the workers, in batches."""
    from rollups.services import mark_missing_current_periods, pending_changes, take_dirty_batches

    mark_missing_current_periods()
    changes = 1 if pending_changes() else 0
    if changes:
        apply_changes.delay()
    batches = take_dirty_batches()
    for batch in batches:
        compute_batch.delay(batch)
    return {"changes": changes, "batches": len(batches)}


@shared_platform_task(name="rollups.apply_changes")
def apply_changes(schemas: list | None = None) -> dict:
    """Bring the figures of the tenants with logged changes up to date, a batch of CHANGE_BATCH_SIZE tenants at a
    time until none is left (or all that are left are busy: the next dispatch comes back for them)."""
    from rollups import engine
    from rollups.services import CHANGE_BATCH_SIZE

    if schemas is not None:
        return engine.apply_changes(list(schemas))
    total = 0
    while True:
        result = engine.apply_changes(limit=CHANGE_BATCH_SIZE)
        total += result["tenants"]
        if result["tenants"] < CHANGE_BATCH_SIZE:
            return {"tenants": total, "skipped": 0}


@shared_platform_task(name="rollups.compute_batch")
def compute_batch(items: list) -> dict:
    """Compute a batch of (schema, period kind, ISO start) whole, in one transaction. If the batch fails, each
    tenant is tried on its own, so that one tenant's failure is recorded (RollupRun, shown to the municipal
    union) and leaves its periods dirty for the next dispatch while the others go on."""
    from rollups import engine

    items = [tuple(item) for item in items]
    try:
        result = engine.recompute(items, trigger="dirty")
        return {"done": result["done"], "skipped": result["skipped"], "failed": 0}
    except Exception:
        log.exception("rollup batch of %d tenant-periods failed; trying each tenant alone", len(items))
    done = skipped = failed = 0
    for schema in sorted({item[0] for item in items}):
        mine = [item for item in items if item[0] == schema]
        try:
            result = engine.recompute(mine, trigger="dirty")
            done, skipped = done + result["done"], skipped + result["skipped"]
        except Exception:
            log.exception("rollup of %s failed", schema)
            failed += len(mine)
    return {"done": done, "skipped": skipped, "failed": failed}


@shared_platform_task(name="rollups.nightly")
def nightly() -> int:
    """Mark every active tenant's current and previous month and year dirty, then dispatch; forget old runs."""
    from rollups.services import drop_orphan_changes, mark_all_for_nightly, prune_runs

    count = mark_all_for_nightly()
    prune_runs()
    drop_orphan_changes()
    dispatch.delay()
    return count
