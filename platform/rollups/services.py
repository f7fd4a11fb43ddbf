"""Computing rollups and reading them for the municipal union.

Data flow
---------
1. Changes in a tenant (stations, reception, funds, dossiers, assistance) mark the tenant's current month and
   year dirty (``mark_dirty``; one upsert, see ``rollups.signals``).
2. Beat runs ``rollups.dispatch`` every minute: it takes the dirty periods and sends them in batches (one task per
   ``BATCH_SIZE`` tenant-periods, so thousands of tenants do not mean thousands of tiny tasks). Nightly,
   ``rollups.nightly`` marks every active tenant's current month, previous month and year dirty (the full run and
   the reconciliation: a tenant or period without facts is computed then).
3. ``compute_period(tenant, kind, start)`` runs in the tenant's schema: every metric of ``metrics_for(tenant)``
   (the core's and the active plugins') for the period, **upserted** by (tenant, period, metric, dimensions), and the
   rows of that tenant-period that no longer exist are deleted — all in one transaction with a ``RollupRun``
   record. A repeated, redelivered or concurrent run therefore leaves the same rows. The dirty mark is cleared only
   if it was not renewed while the run was going on.
4. The municipal views read the facts (``city_figures``), never a tenant's rows. Cells of personal metrics below
   ``SUPPRESS_BELOW`` are shown as suppressed.
"""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Sum
from django.utils import timezone

from core.plugins import metrics_for
from rollups.models import DirtyPeriod, Period, RollupFact, RollupRun

BATCH_SIZE = 50
# Figures about people: a cell below this count could point at a person and is shown as suppressed.
SUPPRESS_BELOW = 3
PERSONAL_METRICS = frozenset({"dossiers.count", "stations.receptions", "stations.receptions_overdue"})


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    if kind == Period.YEAR:
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start.replace(day=1), start.replace(day=monthrange(start.year, start.month)[1])


def current_periods(today: date | None = None) -> list[tuple[str, date]]:
    today = today or timezone.localdate()
    return [(Period.MONTH, today.replace(day=1)), (Period.YEAR, date(today.year, 1, 1))]


def dims_key(dims: dict) -> str:
    return json.dumps({k: str(v) for k, v in dims.items()}, sort_keys=True, ensure_ascii=False)


def mark_dirty(tenant_id: int, periods=None) -> None:
    """Note that a tenant's periods need computing again (idempotent; renews the time of the mark)."""
    now = timezone.now()
    DirtyPeriod.objects.bulk_create(
        [
            DirtyPeriod(tenant_id=tenant_id, period_kind=kind, period_start=start, marked_at=now, dispatched_at=None)
            for kind, start in (periods or current_periods())
        ],
        update_conflicts=True,
        unique_fields=["tenant", "period_kind", "period_start"],
        update_fields=["marked_at", "dispatched_at"],
    )


def compute_period(tenant, kind: str, start: date, *, trigger: str = "manual") -> RollupRun:
    """Compute and upsert every metric of one tenant for one period (run in the tenant's schema)."""
    bounds = period_bounds(kind, start)
    start = bounds[0]
    run = RollupRun.objects.create(
        tenant_id=tenant.pk, period_kind=kind, period_start=start, trigger=trigger, started_at=timezone.now()
    )
    try:
        with transaction.atomic():
            # One computation of a tenant-period at a time; a concurrent one waits and then redoes it.
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [tenant.pk, start.year * 100 + start.month])
            now = timezone.now()
            facts: dict[tuple[str, str], RollupFact] = {}
            for metric in metrics_for(tenant):
                for dims, value in metric.compute(tenant, bounds):
                    key = dims_key(dims)
                    facts[(metric.name, key)] = RollupFact(
                        tenant_id=tenant.pk,
                        period_kind=kind,
                        period_start=start,
                        metric=metric.name,
                        dims={k: str(v) for k, v in dims.items()},
                        dims_key=key,
                        value=Decimal(value or 0),
                        computed_at=now,
                    )
            RollupFact.objects.bulk_create(
                list(facts.values()),
                update_conflicts=True,
                unique_fields=["tenant", "period_kind", "period_start", "metric", "dims_key"],
                update_fields=["value", "dims", "computed_at"],
                batch_size=1000,
            )
            # Cells that no longer exist (e.g. no record left in a stage) must not linger.
            stale = RollupFact.objects.filter(tenant_id=tenant.pk, period_kind=kind, period_start=start).exclude(
                computed_at=now
            )
            stale.delete()
            DirtyPeriod.objects.filter(
                tenant_id=tenant.pk, period_kind=kind, period_start=start, marked_at__lte=run.started_at
            ).delete()
    except Exception as exc:
        RollupRun.objects.filter(pk=run.pk).update(
            status=RollupRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    RollupRun.objects.filter(pk=run.pk).update(status=RollupRun.Status.OK, facts=len(facts), finished_at=timezone.now())
    run.refresh_from_db()
    return run


REDISPATCH_AFTER = timedelta(minutes=10)


@transaction.atomic
def take_dirty_batches(limit: int = 10_000) -> list[list[tuple[str, str, str]]]:
    """The dirty tenant-periods not already sent to a worker (or sent long ago), as batches of
    (schema, kind, ISO start), marked as dispatched."""
    now = timezone.now()
    waiting = (
        DirtyPeriod.objects.select_for_update(skip_locked=True)
        .filter(tenant__is_active=True)
        .filter(models.Q(dispatched_at__isnull=True) | models.Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .order_by("marked_at")[:limit]
    )
    rows = list(waiting.values_list("pk", "tenant__schema_name", "period_kind", "period_start"))
    DirtyPeriod.objects.filter(pk__in=[r[0] for r in rows]).update(dispatched_at=now)
    items = [(schema, kind, start.isoformat()) for _pk, schema, kind, start in rows]
    return [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]


def mark_all_for_nightly(today: date | None = None) -> int:
    """The nightly full run and reconciliation: every active tenant's month, previous month and year."""
    from tenants.models import Tenant

    today = today or timezone.localdate()
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    periods = [*current_periods(today), (Period.MONTH, previous)]
    tenants = list(Tenant.objects.filter(is_active=True).exclude(schema_name="public").values_list("pk", flat=True))
    for tenant_id in tenants:
        mark_dirty(tenant_id, periods)
    return len(tenants)


# ------------------------------------------------------------------------------------------------ reading
def suppressed(metric: str, value: Decimal) -> bool:
    return metric in PERSONAL_METRICS and 0 < value < SUPPRESS_BELOW


def city_figures(metric: str, kind: str, start: date, by_tenant: bool = False) -> list[dict]:
    """The city's figures of one metric for one period: summed over tenants per dimension set, or per tenant."""
    facts = RollupFact.objects.filter(metric=metric, period_kind=kind, period_start=period_bounds(kind, start)[0])
    fields = ["dims_key", "tenant__name"] if by_tenant else ["dims_key"]
    rows = facts.values(*fields).annotate(total=Sum("value")).order_by(*fields)
    out = []
    for row in rows:
        total = row["total"]
        hidden = suppressed(metric, total)
        out.append(
            {
                **({"tenant": row["tenant__name"]} if by_tenant else {}),
                "dims": json.loads(row["dims_key"]),
                "value": None if hidden else total,
                "suppressed": hidden,
            }
        )
    return out


def freshness() -> dict:
    """When the figures were last computed, what is still waiting, and which runs failed."""
    last = RollupRun.objects.filter(status=RollupRun.Status.OK).order_by("-finished_at").first()
    # A run still "running" past the hard time limit died with its worker: it counts as failed.
    lost = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    failures = list(
        RollupRun.objects.filter(
            models.Q(status=RollupRun.Status.FAILED) | models.Q(status=RollupRun.Status.RUNNING, started_at__lt=lost)
        )
        .select_related("tenant")
        .order_by("-started_at")[:20]
    )
    return {
        "as_of": last.finished_at if last else None,
        "waiting": DirtyPeriod.objects.count(),
        "failures": [
            {
                "tenant": r.tenant.name,
                "period": f"{r.period_kind} {r.period_start}",
                "at": r.started_at,
                "error": r.error,
            }
            for r in failures
        ],
    }
