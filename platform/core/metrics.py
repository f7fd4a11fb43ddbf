"""The core's own rollup metric providers (the same contract as a plugin's ``rollups.metrics``).

Each ``compute(tenant, period)`` runs in the tenant's schema and returns ``[(dimensions, value)]`` — counts and
sums only, never a name or an ID. ``period`` is ``None`` (everything up to now) or a ``(first_day, last_day)``
pair of dates; the rollup jobs (issue 5) pass months and years.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins import Metric


def _members_by_role(tenant, period):
    from tenants.models import Membership

    rows = Membership.objects.filter(tenant_id=tenant.pk).values("role").annotate(n=Count("id")).order_by("role")
    return [({"role": row["role"]}, row["n"]) for row in rows]


def _day_bounds(period):
    first, last = period
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tz), datetime.combine(last, time.max, tz)


def _stations_by_kind(tenant, period):
    from stations.models import Station

    day = period[1] if period else timezone.localdate()
    open_then = Q(established_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))
    rows = Station.objects.filter(open_then).values("kind").annotate(n=Count("id")).order_by("kind")
    return [({"kind": row["kind"]}, row["n"]) for row in rows]


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
    rows = records.values("stage", "category").annotate(n=Count("id")).order_by("stage", "category")
    return [({"stage": row["stage"], "category": row["category"]}, row["n"]) for row in rows]


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


def _dossiers(tenant, period):
    from dossiers.models import Dossier

    rows = (
        Dossier.objects.values("status", "tier", "main_cause")
        .annotate(n=Count("id"))
        .order_by("status", "tier", "main_cause")
    )
    return [({"status": r["status"], "tier": r["tier"], "cause": r["main_cause"]}, r["n"]) for r in rows]


def _assistance(tenant, period):
    from dossiers.models import Assistance

    rows = Assistance.objects.all()
    if period:
        rows = rows.filter(given_on__range=period)
    totals = rows.values("kind").annotate(n=Count("id"), amount=Sum("amount")).order_by("kind")
    out = []
    for row in totals:
        out.append(({"kind": row["kind"], "measure": "count"}, row["n"]))
        out.append(({"kind": row["kind"], "measure": "amount"}, row["amount"] or Decimal("0")))
    return out


def core_metrics() -> list[Metric]:
    return [
        Metric("core.members", _("members by role"), "people", _members_by_role, ("role",)),
        Metric("stations.open", _("open stations by kind"), "stations", _stations_by_kind, ("kind",)),
        Metric(
            "stations.coverage", _("station coverage of above-size enterprises"), "enterprises", _coverage, ("measure",)
        ),
        Metric(
            "stations.receptions",
            _("reception records by stage"),
            "records",
            _receptions_by_stage,
            ("stage", "category"),
        ),
        Metric("stations.receptions_overdue", _("overdue reception records"), "records", _receptions_overdue),
        Metric("stations.fund_flows", _("fund income and expenditure"), "CNY", _fund_flows, ("kind", "source")),
        Metric(
            "dossiers.count",
            _("dossiers by status, tier and cause"),
            "households",
            _dossiers,
            ("status", "tier", "cause"),
        ),
        Metric("dossiers.assistance", _("assistance by kind"), "count / CNY", _assistance, ("kind", "measure")),
    ]
