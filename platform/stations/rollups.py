"""The stations app's figures (the ``metrics`` convention of ``core.plugins``): open stations, coverage of the
above-size enterprises, the reception register and the station funds. Counts and sums only, never a person; a
union's own units show through the ``unit`` / ``station`` dimension (an organisation's id, never a person's).

Each metric also has its set-based form (``cells`` or ``query``), which the rollup engine runs across tenants; the
columns the cells use are logged by the migration ``stations.0004``.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins import Cells, Metric


def _day_bounds(period):
    first, last = period
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tz), datetime.combine(last, time.max, tz)


def _stations_by_kind(tenant, period):
    from stations.models import Station

    day = period[1] if period else timezone.localdate()
    open_then = Q(established_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))
    rows = Station.objects.filter(open_then).values("kind", "unit_id").annotate(n=Count("id")).order_by("kind")
    return [({"kind": row["kind"], "unit": row["unit_id"]}, row["n"]) for row in rows]


def _coverage(tenant, period):
    from stations.services import coverage_figures

    year = (period[1] if period else timezone.localdate()).year
    figures = coverage_figures(year)
    return [({"measure": "required"}, figures.required), ({"measure": "covered"}, figures.covered)]


def _receptions_by_stage(tenant, period):
    from stations.models import ReceptionRecord

    records = ReceptionRecord.objects.all()
    if period:
        records = records.filter(visited_at__range=_day_bounds(period))
    rows = records.values("stage", "category", "station_id").annotate(n=Count("id")).order_by("stage", "category")
    return [({"stage": r["stage"], "category": r["category"], "station": r["station_id"]}, r["n"]) for r in rows]


def _receptions_overdue(tenant, period):
    from datetime import timedelta

    from stations.models import ReceptionRecord, StationPolicy

    # Overdue as of the period's end, or today for a period still running (never a day in the future).
    today = timezone.localdate()
    day = min(period[1], today) if period else today
    limit = StationPolicy.current().reception_time_limit_days
    cutoff = datetime.combine(day - timedelta(days=limit), time.min, timezone.get_current_timezone())
    open_records = ReceptionRecord.objects.exclude(stage=ReceptionRecord.Stage.CLOSED)
    return [({}, open_records.filter(visited_at__lt=cutoff).count())]


def _fund_flows(tenant, period):
    from stations.models import FundEntry

    entries = FundEntry.objects.all()
    if period:
        entries = entries.filter(booked_on__range=period)
    rows = entries.values("kind", "source").annotate(total=Sum("amount")).order_by("kind", "source")
    return [({"kind": row["kind"], "source": row["source"]}, row["total"] or Decimal("0")) for row in rows]


def _coverage_sql(q) -> str:
    # The day of coverage_figures(year of the period): today in the current year, else the year's last day.
    year_end = "(date_trunc('year', p.period_end) + interval '1 year - 1 day')::date"
    day = f"(CASE WHEN {year_end} >= {q.today} THEN {q.today} ELSE {year_end} END)"
    return f"""SELECT {q.tenant_id} AS tenant_id, p.period_kind, p.period_start, m.measure, m.value
        FROM {q.periods} p CROSS JOIN LATERAL (
            SELECT count(*) AS required, count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM {q.s}.stations_station st WHERE st.unit_id = u.id AND st.established_on <= {day}
                AND (st.closed_on IS NULL OR st.closed_on > {day}))) AS covered
            FROM {q.s}.stations_unit u WHERE u.kind = 'enterprise' AND u.has_union AND u.above_designated_size
        ) x CROSS JOIN LATERAL (VALUES ('required', x.required), ('covered', x.covered)) AS m(measure, value)"""


def _overdue_sql(q) -> str:
    from stations.models import StationPolicy

    default = StationPolicy._meta.get_field("reception_time_limit_days").default
    limit = f"coalesce((SELECT reception_time_limit_days FROM {q.s}.stations_stationpolicy WHERE id = 1), {default})"
    return f"""SELECT {q.tenant_id} AS tenant_id, p.period_kind, p.period_start, count(r.id) AS value
        FROM {q.periods} p LEFT JOIN {q.s}.stations_receptionrecord r
            ON r.stage <> 'closed' AND r.visited_at < ((p.day - {limit})::timestamp AT TIME ZONE {q.tz})
        GROUP BY 1, 2, 3"""


metrics = [
    Metric(
        "stations.open",
        _("open stations by kind"),
        "stations",
        _stations_by_kind,
        ("kind", "unit"),
        cells=Cells(
            "stations_station", dims={"kind": "kind", "unit": "unit_id"}, as_of=("established_on", "closed_on")
        ),
    ),
    Metric(
        "stations.coverage",
        _("station coverage of above-size enterprises"),
        "enterprises",
        _coverage,
        ("measure",),
        query=_coverage_sql,
        sources=frozenset({"stations_unit", "stations_station"}),
    ),
    Metric(
        "stations.receptions",
        _("reception records by stage"),
        "records",
        _receptions_by_stage,
        ("stage", "category", "station"),
        cells=Cells(
            "stations_receptionrecord",
            dims={"stage": "stage", "category": "category", "station": "station_id"},
            date="visited_at",
        ),
        personal=True,
    ),
    Metric(
        "stations.receptions_overdue",
        _("overdue reception records"),
        "records",
        _receptions_overdue,
        query=_overdue_sql,
        sources=frozenset({"stations_receptionrecord", "stations_stationpolicy"}),
        personal=True,
    ),
    Metric(
        "stations.fund_flows",
        _("fund income and expenditure"),
        "CNY",
        _fund_flows,
        ("kind", "source"),
        cells=Cells("stations_fundentry", dims={"kind": "kind", "source": "source"}, value="amount", date="booked_on"),
    ),
]
