"""The periods a figure is kept for, the mark that one needs computing again, and the canonical key of a cell.

Below both the engine and the services (each builds on these), so that neither imports the other back.
"""

from __future__ import annotations

import json
from datetime import date

from django.utils import timezone

from rollups.models import DirtyPeriod, Period


def period_bounds(kind: str, start: date) -> tuple[date, date]:
    from calendar import monthrange

    if kind == Period.YEAR:
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start.replace(day=1), start.replace(day=monthrange(start.year, start.month)[1])


def current_periods(today: date | None = None) -> list[tuple[str, date]]:
    today = today or timezone.localdate()
    return [(Period.MONTH, today.replace(day=1)), (Period.YEAR, date(today.year, 1, 1))]


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


def dims_key(dims: dict) -> str:
    """The canonical key of a set of dimensions (text values, None as ""; the engine builds the same in SQL)."""
    return json.dumps({k: "" if v is None else str(v) for k, v in dims.items()}, sort_keys=True, ensure_ascii=False)
