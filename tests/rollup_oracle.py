"""The rollup's expected figures counted here, from the tenant's rows, with plain SQL written in the test — not
with the metrics' own Python definitions (``Metric.compute``), which are the product's second implementation."""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

COUNTED = {
    "core.members",
    "stations.open",
    "stations.coverage",
    "stations.receptions",
    "stations.receptions_overdue",
    "stations.fund_flows",
    "dossiers.count",
    "dossiers.assistance",
    "dummy.things",
}
SNAPSHOT = "dossiers.count"  # the state of today, not of the period


def bounds(kind: str, start: date) -> tuple[date, date]:
    if kind == "year":
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start.replace(day=1), start.replace(day=calendar.monthrange(start.year, start.month)[1])


def key(**dims) -> str:
    return json.dumps({k: "" if v is None else str(v) for k, v in dims.items()}, sort_keys=True, ensure_ascii=False)


def _rows(sql: str, args=()) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def counted(tenant, kind: str, start: date, *, snapshot: bool = True, metrics=None) -> dict:
    """(metric, dims key) → value for the tenant's period, counted from its rows. `metrics`: the names active on the
    tenant (all counted ones by default); `snapshot=False` leaves out dossiers.count."""
    names = set(COUNTED if metrics is None else metrics)
    unknown = names - COUNTED
    assert not unknown, f"count these metrics in tests/rollup_oracle.py too: {unknown}"
    s = f'"{tenant.schema_name}"'
    lo, hi = bounds(kind, start)
    today = timezone.localdate()
    tz = ZoneInfo(settings.TIME_ZONE)
    out: dict = {}
    if "core.members" in names:
        for role, n in _rows(
            "SELECT role, count(*) FROM public.tenants_membership WHERE tenant_id = %s GROUP BY role", [tenant.pk]
        ):
            out[("core.members", key(role=role))] = Decimal(n)
    if "stations.open" in names:
        for kind_, unit, n in _rows(
            f"SELECT kind, unit_id, count(*) FROM {s}.stations_station WHERE established_on <= %s"
            " AND (closed_on IS NULL OR closed_on > %s) GROUP BY 1, 2",
            [hi, hi],
        ):
            out[("stations.open", key(kind=kind_, unit=unit))] = Decimal(n)
    if "stations.coverage" in names:
        on_day = min(date(hi.year, 12, 31), today) if hi.year >= today.year else date(hi.year, 12, 31)
        ((required, covered),) = _rows(
            f"SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {s}.stations_station st"
            " WHERE st.unit_id = u.id AND st.established_on <= %s AND (st.closed_on IS NULL OR st.closed_on > %s)))"
            f" FROM {s}.stations_unit u WHERE u.kind = 'enterprise' AND u.has_union AND u.above_designated_size",
            [on_day, on_day],
        )
        out[("stations.coverage", key(measure="required"))] = Decimal(required)
        out[("stations.coverage", key(measure="covered"))] = Decimal(covered)
    if "stations.receptions" in names:
        for stage, category, station, n in _rows(
            f"SELECT stage, category, station_id, count(*) FROM {s}.stations_receptionrecord"
            " WHERE (visited_at AT TIME ZONE %s)::date BETWEEN %s AND %s GROUP BY 1, 2, 3",
            [settings.TIME_ZONE, lo, hi],
        ):
            out[("stations.receptions", key(stage=stage, category=category, station=station))] = Decimal(n)
    if "stations.receptions_overdue" in names:
        policy = _rows(f"SELECT reception_time_limit_days FROM {s}.stations_stationpolicy WHERE id = 1")
        from stations.models import StationPolicy

        limit = policy[0][0] if policy else StationPolicy._meta.get_field("reception_time_limit_days").default
        cutoff = datetime.combine(min(hi, today) - timedelta(days=limit), time.min, tz)
        ((n,),) = _rows(
            f"SELECT count(*) FROM {s}.stations_receptionrecord WHERE stage <> 'closed' AND visited_at < %s", [cutoff]
        )
        out[("stations.receptions_overdue", key())] = Decimal(n)
    if "stations.fund_flows" in names:
        for kind_, source, total in _rows(
            f"SELECT kind, source, sum(amount) FROM {s}.stations_fundentry WHERE booked_on BETWEEN %s AND %s"
            " GROUP BY 1, 2",
            [lo, hi],
        ):
            out[("stations.fund_flows", key(kind=kind_, source=source))] = Decimal(total)
    if "dossiers.count" in names and snapshot:
        for status, tier, cause, unit, n in _rows(
            f"SELECT status, tier, main_cause, employer_id, count(*) FROM {s}.dossiers_dossier GROUP BY 1, 2, 3, 4"
        ):
            out[("dossiers.count", key(status=status, tier=tier, cause=cause, unit=unit))] = Decimal(n)
    if "dossiers.assistance" in names:
        for kind_, n, amount in _rows(
            f"SELECT kind, count(*), coalesce(sum(amount), 0) FROM {s}.dossiers_assistance"
            " WHERE given_on BETWEEN %s AND %s GROUP BY 1",
            [lo, hi],
        ):
            out[("dossiers.assistance", key(kind=kind_, measure="count"))] = Decimal(n)
            out[("dossiers.assistance", key(kind=kind_, measure="amount"))] = Decimal(amount)
    if "dummy.things" in names:
        ((n,),) = _rows(f"SELECT count(*) FROM {s}.dummy_plugin_thing")
        out[("dummy.things", key())] = Decimal(n)
    return out
