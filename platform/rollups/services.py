"""Scheduling the rollups and reading them for the municipal union (the computation is ``rollups.engine``).

Data flow
---------
1. A change in a tenant is logged by a trigger (``core.db.LogChanges``) into ``rollups_change``. Beat runs
   ``rollups.dispatch`` every minute: if any change is logged it sends one ``rollups.apply_changes``, which takes
   the tenants with changes ``CHANGE_BATCH_SIZE`` at a time and turns their changes into differences of the
   figures (see ``rollups.engine``); the dirty tenant-periods go in batches of ``BATCH_SIZE`` tenants to
   ``rollups.compute_batch``, which computes them whole (so thousands of tenants do not mean thousands of tiny
   tasks). A tenant whose current month or year has never been computed is marked dirty by the dispatcher.
2. Nightly, ``rollups.nightly`` marks every active tenant's current month, previous month and year dirty: the full
   run and the reconciliation (figures that drifted, or a period without facts, are computed whole again). A
   change of memberships (public schema, no trigger) marks its tenant dirty (``rollups.signals``).
3. A repeated, redelivered or concurrent run leaves the same rows: computation and writing are one transaction
   under the tenant's change lock, and only differences are written.
4. The municipal views read the facts (``city_figures``), never a tenant's rows. Cells of personal metrics below
   ``SUPPRESS_BELOW`` are shown as suppressed.
"""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Sum
from django.utils import timezone

from rollups import engine
from rollups.models import Change, DirtyPeriod, Period, RollupFact, RollupRun, in_scopes
from rollups.periods import current_periods, dims_key, mark_dirty, period_bounds  # noqa: F401 (their home before)

BATCH_SIZE = 50
# Applying logged changes costs in proportion to the changes, not to the tenants: bigger batches, fewer tasks.
CHANGE_BATCH_SIZE = 500
# Figures about people: a cell below this count could point at a person and is shown as suppressed.
SUPPRESS_BELOW = 3


def compute_period(tenant, kind: str, start: date, *, trigger: str = "manual") -> RollupRun | None:
    """Compute every metric of one tenant for one period whole (None if its change lock was busy)."""
    result = engine.recompute([(tenant.schema_name, kind, start)], trigger=trigger)
    return RollupRun.objects.get(pk=result["runs"][0]) if result["runs"] else None


# A batch sent to a worker that died is sent again after this (a second run of a live one is harmless: it finds
# the tenant's lock taken and leaves it for later).
REDISPATCH_AFTER = timedelta(minutes=2)


def mark_missing_current_periods(today: date | None = None) -> int:
    """Mark dirty every active tenant's current month and year that has never been computed (new tenants, a new
    month): figures follow changes only for computed periods."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO rollups_dirtyperiod (tenant_id, period_kind, period_start, marked_at, dispatched_at)
            SELECT t.id, p.kind, p.start, now(), NULL
            FROM tenants_tenant t CROSS JOIN (VALUES (%s, %s::date), (%s, %s::date)) AS p(kind, start)
            WHERE t.is_active AND t.schema_name <> 'public' AND NOT EXISTS (
                SELECT 1 FROM rollups_computedperiod c
                WHERE c.tenant_id = t.id AND c.period_kind = p.kind AND c.period_start = p.start)
            ON CONFLICT (tenant_id, period_kind, period_start) DO NOTHING
            """,
            [x for kind, start in current_periods(today) for x in (kind, start)],
        )
        return cur.rowcount


@transaction.atomic
def take_dirty_batches(limit: int = 10_000) -> list[list[tuple[str, str, str]]]:
    """The dirty tenant-periods not already sent to a worker (or sent long ago), as batches of
    (schema, kind, ISO start) of up to BATCH_SIZE tenants each, marked as dispatched."""
    now = timezone.now()
    waiting = (
        DirtyPeriod.objects.select_for_update(skip_locked=True)
        .filter(tenant__is_active=True)
        .filter(models.Q(dispatched_at__isnull=True) | models.Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .order_by("marked_at")[:limit]
    )
    rows = list(waiting.values_list("pk", "tenant__schema_name", "period_kind", "period_start"))
    DirtyPeriod.objects.filter(pk__in=[r[0] for r in rows]).update(dispatched_at=now)
    by_schema: dict[str, list] = {}
    for _pk, schema, kind, start in rows:
        by_schema.setdefault(schema, []).append((schema, kind, start.isoformat()))
    schemas = list(by_schema)
    return [
        [item for schema in schemas[i : i + BATCH_SIZE] for item in by_schema[schema]]
        for i in range(0, len(schemas), BATCH_SIZE)
    ]


def pending_changes() -> bool:
    """Whether any tenant has logged changes waiting (the dispatcher then sends ``rollups.apply_changes``)."""
    return Change.objects.exists()


def drop_orphan_changes() -> int:
    """Changes logged by schemas that are no (active) tenant's (a tenant deactivated or removed) are dropped, and so
    are the logged changes of their digests (``DigestChange``), which no whole computation would fold in: their
    digests then differ from their cells, which are compared the next time. Returns the changes dropped."""
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM rollups_digestchange d WHERE NOT EXISTS (SELECT 1 FROM tenants_tenant t"
            " WHERE t.id = d.tenant_id AND t.is_active)"
        )
        cur.execute(
            "DELETE FROM rollups_change c WHERE NOT EXISTS (SELECT 1 FROM tenants_tenant t"
            " WHERE t.schema_name = c.schema_name AND t.is_active)"
        )
        return cur.rowcount


def mark_all(periods) -> int:
    """Mark these (kind, start) periods of every active tenant dirty (one statement); returns the tenants."""
    rows = ", ".join(["(%s, %s::date)"] * len(periods))
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO rollups_dirtyperiod (tenant_id, period_kind, period_start, marked_at, dispatched_at)
            SELECT t.id, p.kind, p.start, now(), NULL
            FROM tenants_tenant t CROSS JOIN (VALUES {rows}) AS p(kind, start)
            WHERE t.is_active AND t.schema_name <> 'public'
            ON CONFLICT (tenant_id, period_kind, period_start)
            DO UPDATE SET marked_at = EXCLUDED.marked_at, dispatched_at = NULL
            """,
            [x for kind, start in periods for x in (kind, start)],
        )
        cur.execute("SELECT count(*) FROM tenants_tenant WHERE is_active AND schema_name <> 'public'")
        return cur.fetchone()[0]


def mark_all_for_nightly(today: date | None = None) -> int:
    """The nightly full run and reconciliation: every active tenant's month, previous month and year."""
    today = today or timezone.localdate()
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return mark_all([*current_periods(today), (Period.MONTH, previous)])


def prune_runs(keep: timedelta = timedelta(days=90)) -> int:
    """Forget successful runs older than ``keep`` (failed runs stay)."""
    deleted, _ = RollupRun.objects.filter(status=RollupRun.Status.OK, started_at__lt=timezone.now() - keep).delete()
    return deleted


# ------------------------------------------------------------------------------------------------ reading
@functools.cache
def personal_metrics() -> frozenset[str]:
    """The metrics that count people (declared ``personal=True`` in their app's ``rollups.py``)."""
    from core.plugins import installed_metrics

    return frozenset(m.name for m in installed_metrics() if m.personal)


def suppressed(metric: str, value: Decimal) -> bool:
    return metric in personal_metrics() and 0 < value < SUPPRESS_BELOW


@functools.cache
def snapshot_metrics() -> frozenset[str]:
    """Metrics of the state of today (cells without a date): kept per month, see ``period_filter``."""
    from core.plugins import installed_metrics

    return frozenset(m.name for m in installed_metrics() if m.cells and not (m.cells.date or m.cells.as_of))


def period_filter(kind: str, start: date, metrics) -> models.Q:
    """The facts of these metrics for a period. A snapshot metric (dossiers by status: the state of a day) is kept
    per month; its figure for a year is, per tenant, that of the year's latest month with figures. Those months are
    found once (``LATEST_MONTHS``), not per fact."""
    lo, hi = period_bounds(kind, start)
    metrics = set(metrics)
    snapshots = metrics & snapshot_metrics() if kind == Period.YEAR else set()
    q = in_scopes(metrics - snapshots, kind, [lo])
    if snapshots:
        months = [date(lo.year, m, 1) for m in range(1, hi.month + 1)]
        with connection.cursor() as cur:
            cur.execute(LATEST_MONTHS, [sorted(snapshots), months])
            latest = cur.fetchall()
        tenants_of: dict[tuple[str, date], list[int]] = {}
        for metric, tenant_id, month in latest:
            tenants_of.setdefault((metric, month), []).append(tenant_id)
        for (metric, month), tenants in sorted(tenants_of.items()):
            q |= in_scopes([metric], Period.MONTH, [month]) & models.Q(tenant_id__in=tenants)
    return q


# Per snapshot metric (%s: their names) and tenant, the latest of the months (%s) with a fact: a lookup of the
# primary key per tenant, metric and month, whatever the estimates (a LIMIT in the key's order: a scan of the facts
# would have to sort them all; a LIMIT alone lets the planner hope to meet a fact early in a scan of them all).
LATEST_MONTHS = f"""
SELECT k.metric, k.tenant_id, max(k.period_start) FROM (
    SELECT m.metric, 'month'::text AS period_kind, x.month AS period_start, t.id AS tenant_id
    FROM public.tenants_tenant t CROSS JOIN unnest(%s::text[]) AS m(metric) CROSS JOIN unnest(%s::date[]) AS x(month)
) k CROSS JOIN LATERAL (
    SELECT FROM public.rollups_rollupfact f WHERE f.scope = {engine.scope_sql("k")} AND f.tenant_id = k.tenant_id
        AND f.metric = k.metric AND f.period_kind = k.period_kind AND f.period_start = k.period_start
    ORDER BY f.cell LIMIT 1
) f
GROUP BY 1, 2
"""


def facts_for(metric: str, kind: str, start: date):
    return RollupFact.objects.filter(period_filter(kind, start, [metric]))


def city_figures(metric: str, kind: str, start: date, by_tenant: bool = False) -> list[dict]:
    """The city's figures of one metric for one period: summed over tenants per dimension set, or per tenant."""
    facts = facts_for(metric, kind, start)
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


def freshness(tenant_id: int | None = None) -> dict:
    """When the figures (of one tenant, or of all) were last computed, what is still waiting, and which runs
    failed."""
    runs = RollupRun.objects.all() if tenant_id is None else RollupRun.objects.filter(tenant_id=tenant_id)
    dirty = DirtyPeriod.objects.all() if tenant_id is None else DirtyPeriod.objects.filter(tenant_id=tenant_id)
    # A run that applied the logged changes (tenant None) brought every tenant that had some up to date.
    done = RollupRun.objects.filter(status=RollupRun.Status.OK)
    if tenant_id is not None:
        done = done.filter(models.Q(tenant_id=tenant_id) | models.Q(tenant__isnull=True))
    last = done.order_by("-finished_at").first()
    # A run still "running" past the hard time limit died with its worker: it counts as failed.
    lost = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    failures = list(
        runs.filter(
            models.Q(status=RollupRun.Status.FAILED) | models.Q(status=RollupRun.Status.RUNNING, started_at__lt=lost)
        )
        .select_related("tenant")
        .order_by("-started_at")[:20]
    )
    return {
        "as_of": last.finished_at if last else None,
        "waiting": dirty.count(),
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
