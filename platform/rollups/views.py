"""The municipal union's view of the rollups: figures per metric and period across tenants (never a tenant's
rows), when they were computed, failures, and a refresh that recomputes in the worker. Pages and API.

Pages (all on the municipal tenant, ``Perm.VIEW_ROLLUPS``; 404 elsewhere):

- the dashboard: coverage against the targets per union and per year, dossiers by status/tier/cause, assistance,
  funds, reception throughput and overdue records for the chosen month or year;
- the trend: the last 12 month facts of one metric, in total or split by one dimension;
- the drill-down: the same sections for one union (its aggregates from the facts, never its rows);
- an Excel export of each (``rollups.exporting``) and a small JSON status that the refresh progress polls.

Every page is built as a list of :class:`Table` (label rows × value columns); the template draws each as a table
plus a chart (Chart.js, served from our own static files) and the export writes each as a sheet, so the page and
the workbook always show the same numbers. Cells of personal metrics below ``services.SUPPRESS_BELOW`` are
suppressed after grouping, in the page and in the export alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from django.contrib import messages
from django.db.models import Sum
from django.db.models.fields.json import KT
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.access import require
from core.api.base import TenantAPIView
from core.dates import query_date
from core.pages import tenant_page, xlsx_response
from core.plugins import metrics_for
from core.roles import Perm
from rollups import exporting, services
from rollups.models import Period, RollupFact, in_scopes

DASHBOARD_METRICS = [
    "stations.open",
    "stations.coverage",
    "stations.receptions",
    "stations.receptions_overdue",
    "stations.fund_flows",
    "dossiers.count",
    "dossiers.assistance",
]
TREND_MONTHS = 12
ORGANISATION_DIMS = frozenset({"unit", "station"})
COVERAGE_YEARS = 5
MEASURE_LABELS = {
    "required": gettext_lazy("Enterprises concerned"),
    "covered": gettext_lazy("With a station"),
    "count": gettext_lazy("Number"),
    "amount": gettext_lazy("Amount (CNY)"),
}
DIM_LABELS = {
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "tier": gettext_lazy("Tier"),
    "cause": gettext_lazy("Main cause"),
    "source": gettext_lazy("Source"),
    "stage": gettext_lazy("Stage"),
    "category": gettext_lazy("Category"),
    "measure": gettext_lazy("Measure"),
    "role": gettext_lazy("Role"),
}


# ------------------------------------------------------------------------------------------------ tables
@dataclass
class Cell:
    value: Decimal | None
    suppressed: bool = False
    money: bool = False

    @property
    def display(self) -> str:
        """Exact: whole numbers without decimals, others with their two (Decimal formatting, never float)."""
        if self.value is None:
            return ""
        if not self.money and self.value == self.value.to_integral_value():
            return f"{int(self.value):,}"
        return f"{self.value:,.2f}"

    @property
    def chart_value(self):
        return None if self.value is None else float(self.value)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    href: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]  # the first is the header of the label column
    rows: list[Row] = field(default_factory=list)
    chart: str = "bar"  # "bar", "line" or "" (no chart)
    note: str = ""
    chart_columns: tuple[int, ...] | None = None  # the value columns drawn (default: all)
    chart_by_column: bool = False  # x axis: the columns (one line per row) instead of the rows

    def chart_data(self) -> dict:
        columns = self.chart_columns if self.chart_columns is not None else range(len(self.columns) - 1)
        if self.chart_by_column:
            return {
                "type": self.chart,
                "labels": [str(self.columns[i + 1]) for i in columns],
                "datasets": [
                    {"label": row.label, "data": [row.cells[i].chart_value for i in columns]} for row in self.rows
                ],
            }
        return {
            "type": self.chart,
            "labels": [row.label for row in self.rows],
            "datasets": [
                {"label": str(self.columns[i + 1]), "data": [row.cells[i].chart_value for row in self.rows]}
                for i in columns
            ],
        }


MONEY_METRICS = frozenset({"stations.fund_flows"})


def _cell(metric: str, total, money: bool = False) -> Cell:
    total = Decimal(total or 0)
    if services.suppressed(metric, total):
        return Cell(None, True)
    return Cell(total, money=money or metric in MONEY_METRICS)


@cache
def _choices() -> dict[tuple[str, str], dict[str, str]]:
    """Display labels of dimension values, by (metric or "*", dimension)."""
    from dossiers.models import Assistance, Dossier
    from stations.models import FundEntry, ReceptionRecord, Station
    from tenants.models import Membership

    def labels(choices):
        return dict(choices.choices)

    return {
        ("dossiers.count", "status"): labels(Dossier.Status),
        ("dossiers.count", "tier"): labels(Dossier.Tier),
        ("dossiers.count", "cause"): labels(Dossier.Cause),
        ("dossiers.assistance", "kind"): labels(Assistance.Kind),
        ("stations.open", "kind"): labels(Station.Kind),
        ("stations.fund_flows", "kind"): labels(FundEntry.Kind),
        ("stations.fund_flows", "source"): labels(FundEntry.Source),
        ("stations.receptions", "stage"): labels(ReceptionRecord.Stage),
        ("stations.receptions", "category"): labels(ReceptionRecord.Category),
        ("core.members", "role"): dict(Membership._meta.get_field("role").choices),
        ("*", "measure"): MEASURE_LABELS,
    }


def _label(metric: str, dim: str, value) -> str:
    if value is None or value == "":
        return "—"
    labels = _choices().get((metric, dim)) or _choices().get(("*", dim)) or {}
    return str(labels.get(value, value))


def _ordered(metric: str, dim: str, values) -> list:
    """Values in the order of their choices (the order of the model), unknown ones after, sorted."""
    known = list((_choices().get((metric, dim)) or _choices().get(("*", dim)) or {}).keys())
    values = set(values)
    return [v for v in known if v in values] + sorted(v for v in values if v not in known and v is not None)


def _facts(metric: str, kind: str, start: date, tenant_id: int | None = None):
    facts = services.facts_for(metric, kind, start)
    return facts if tenant_id is None else facts.filter(tenant_id=tenant_id)


def _sums(facts, *dims: str, extra: tuple[str, ...] = ()) -> dict[tuple, Decimal]:
    """The facts summed per value of the given dimensions (and extra fields), in the database."""
    names = {f"d_{i}": KT(f"dims__{dim}") for i, dim in enumerate(dims)}
    rows = facts.annotate(**names).values(*names, *extra).annotate(total=Sum("value")).order_by(*names, *extra)
    return {tuple(row[n] for n in [*names, *extra]): row["total"] for row in rows}


def pivot(key, title, metric, facts, row_dim, col_dim=None, *, row_header="", chart="bar") -> Table:
    """A table of one metric: a row per value of ``row_dim``, a column per value of ``col_dim`` (or one "Total")."""
    if col_dim is None:
        sums = {(r, None): v for (r,), v in _sums(facts, row_dim).items()}
    else:
        sums = _sums(facts, row_dim, col_dim)
    rows = _ordered(metric, row_dim, {r for r, _c in sums})
    cols = [None] if col_dim is None else _ordered(metric, col_dim, {c for _r, c in sums})
    table = Table(
        key,
        title,
        [row_header or str(DIM_LABELS.get(row_dim, row_dim))]
        + [_("Total") if c is None else _label(metric, col_dim, c) for c in cols],
        chart=chart,
    )
    for r in rows:
        table.rows.append(
            Row(
                _label(metric, row_dim, r),
                [_cell(metric, sums[(r, c)], c == "amount") if (r, c) in sums else Cell(None) for c in cols],
            )
        )
    return table


# ------------------------------------------------------------------------------------------------ sections
def _share(covered: Decimal, required: Decimal) -> Decimal | None:
    return (covered * 100 / required).quantize(Decimal("0.1")) if required else None


def _city_target(year: int) -> Decimal | None:
    """The coverage target of the year as the municipal union set it (its own schema: the request's)."""
    from stations.services import target_for

    return target_for(year)


def coverage_tables(kind: str, start: date, tenant_id: int | None = None) -> list[Table]:
    """Station coverage of above-size enterprises per union against the target: the chosen period, and the year
    facts of the last years (share per union and year)."""
    year = services.period_bounds(kind, start)[1].year
    target = _city_target(year)
    facts = _facts("stations.coverage", kind, start, tenant_id)
    sums = _sums(facts, "measure", extra=("tenant_id", "tenant__name"))
    tenants = sorted({(tid, name) for (_m, tid, name) in sums}, key=lambda t: t[1])
    table = Table(
        "coverage",
        _("Station coverage against the target, %(year)s") % {"year": year},
        [_("Union"), _("Enterprises concerned"), _("With a station"), _("Share (%)"), _("Target (%)")],
        note=_("Target: the union's own target of the year where the figures carry it, else the municipal union's."),
        chart_columns=(2, 3),
    )
    total_req = total_cov = Decimal(0)
    for tid, name in tenants:
        req = Decimal(sums.get(("required", tid, name)) or 0)
        cov = Decimal(sums.get(("covered", tid, name)) or 0)
        total_req += req
        total_cov += cov
        href = "" if tenant_id else reverse("rollups:tenant", args=[tid]) + f"?period={kind}&start={start}"
        own = sums.get(("target", tid, name))  # a union's own target, once the metric carries it
        table.rows.append(
            Row(name, [Cell(req), Cell(cov), Cell(_share(cov, req)), Cell(target if own is None else own)], href)
        )
    if len(tenants) > 1:
        table.rows.append(
            Row(_("City"), [Cell(total_req), Cell(total_cov), Cell(_share(total_cov, total_req)), Cell(target)])
        )
    # Per year: the year facts of the last COVERAGE_YEARS years.
    years = list(range(year - COVERAGE_YEARS + 1, year + 1))
    yearly = RollupFact.objects.filter(in_scopes(["stations.coverage"], Period.YEAR, [date(y, 1, 1) for y in years]))
    if tenant_id is not None:
        yearly = yearly.filter(tenant_id=tenant_id)
    ysums = _sums(yearly, "measure", extra=("tenant__name", "period_start"))
    by_year = Table(
        "coverage_years",
        _("Coverage share per year (%)"),
        [_("Union"), *[str(y) for y in years]],
        note=_("From the year figures; a blank cell: no figures for that year."),
    )
    for name in sorted({n for (_m, n, _p) in ysums}):
        cells = []
        for y in years:
            req = ysums.get(("required", name, date(y, 1, 1)))
            cov = ysums.get(("covered", name, date(y, 1, 1)))
            cells.append(Cell(_share(Decimal(cov or 0), Decimal(req)) if req is not None else None))
        by_year.rows.append(Row(name, cells))
    targets = [Cell(_city_target(y)) for y in years]
    if any(c.value is not None for c in targets):
        by_year.rows.append(Row(_("Target"), targets))
    by_year.chart = "line"
    by_year.chart_by_column = True
    return [table, by_year]


def dashboard_tables(kind: str, start: date, tenant_id: int | None = None) -> list[Table]:
    def facts(metric):
        return _facts(metric, kind, start, tenant_id)

    tables = coverage_tables(kind, start, tenant_id)
    tables.append(
        pivot(
            "stations",
            _("Open stations by kind"),
            "stations.open",
            facts("stations.open"),
            "kind",
            row_header=_("Kind"),
        )
    )
    dossiers = facts("dossiers.count")
    tables += [
        pivot("dossiers_status", _("Dossiers by status"), "dossiers.count", dossiers, "status", row_header=_("Status")),
        pivot("dossiers_tier", _("Dossiers by tier"), "dossiers.count", dossiers, "tier", row_header=_("Tier")),
        pivot(
            "dossiers_cause",
            _("Dossiers by main cause"),
            "dossiers.count",
            dossiers,
            "cause",
            row_header=_("Main cause"),
        ),
        pivot(
            "assistance",
            _("Assistance by kind"),
            "dossiers.assistance",
            facts("dossiers.assistance"),
            "kind",
            "measure",
            row_header=_("Kind"),
        ),
    ]
    funds = facts("stations.fund_flows")
    tables += [
        pivot("funds", _("Funds in and out"), "stations.fund_flows", funds, "kind", row_header=_("Kind")),
        pivot(
            "fund_sources", _("Funds by source"), "stations.fund_flows", funds, "source", "kind", row_header=_("Source")
        ),
    ]
    receptions = pivot(
        "receptions",
        _("Reception records by stage"),
        "stations.receptions",
        facts("stations.receptions"),
        "stage",
        row_header=_("Stage"),
    )
    overdue = facts("stations.receptions_overdue").aggregate(total=Sum("value"))["total"]
    receptions.rows.append(
        Row(_("Overdue (open past the time limit)"), [_cell("stations.receptions_overdue", overdue)])
    )
    tables.append(receptions)
    tables.append(
        pivot(
            "reception_categories",
            _("Reception records by category"),
            "stations.receptions",
            facts("stations.receptions"),
            "category",
            row_header=_("Category"),
        )
    )
    return tables


# ------------------------------------------------------------------------------------------------ units
@dataclass
class Directory:
    """A union's units and stations by id (organisations, never people), read from its own schema to name the
    per-unit figures."""

    units: dict[str, str]
    station_units: dict[str, str]

    @classmethod
    def of(cls, tenant) -> Directory:
        from django_tenants.utils import schema_context

        from core.people.models import Unit
        from stations.models import Station

        with schema_context(tenant.schema_name):
            units = {str(pk): name for pk, name in Unit.objects.values_list("pk", "name")}
            stations = {str(pk): str(unit or "") for pk, unit in Station.objects.values_list("pk", "unit_id")}
        return cls(units, stations)


def unit_table(kind: str, start: date, tenant_id: int, directory: Directory, href) -> Table:
    """A row per unit of the union: open stations, dossiers (filed and all), reception records of its stations."""
    from dossiers.models import Dossier

    stations = _sums(_facts("stations.open", kind, start, tenant_id), "unit")
    dossiers = _sums(_facts("dossiers.count", kind, start, tenant_id), "unit", "status")
    receptions: dict[str, Decimal] = {}
    for (station,), total in _sums(_facts("stations.receptions", kind, start, tenant_id), "station").items():
        unit = directory.station_units.get(station, "")
        receptions[unit] = receptions.get(unit, Decimal(0)) + total
    filed: dict[str, Decimal] = {}
    everything: dict[str, Decimal] = {}
    for (unit, status), total in dossiers.items():
        everything[unit] = everything.get(unit, Decimal(0)) + total
        if status == Dossier.Status.FILED:
            filed[unit] = filed.get(unit, Decimal(0)) + total
    seen = {u for (u,) in stations} | set(everything) | set(receptions)
    table = Table(
        "units",
        _("By unit"),
        [_("Unit"), _("Open stations"), _("Dossiers filed"), _("All dossiers"), _("Reception records")],
        chart="",
        note=_("Dossiers without an employer and records of stations without a unit are under “No unit”."),
    )
    order = sorted(seen, key=lambda u: (u == "", directory.units.get(u, ""), u))
    for unit in order:
        table.rows.append(
            Row(
                directory.units.get(unit, _("No unit") if unit == "" else _("Unit %(id)s") % {"id": unit}),
                [
                    _cell("stations.open", stations.get((unit,))),
                    _cell("dossiers.count", filed.get(unit)),
                    _cell("dossiers.count", everything.get(unit)),
                    _cell("stations.receptions", receptions.get(unit)),
                ],
                href=href(unit) if unit else "",
            )
        )
    return table


def unit_detail_tables(kind: str, start: date, tenant_id: int, unit: str, directory: Directory) -> list[Table]:
    """One unit's figures: its open stations by kind, its dossiers by status, its stations' records by stage."""
    stations = _facts("stations.open", kind, start, tenant_id).filter(dims__unit=unit)
    dossiers = _facts("dossiers.count", kind, start, tenant_id).filter(dims__unit=unit)
    mine = [station for station, owner in directory.station_units.items() if owner == unit]
    receptions = _facts("stations.receptions", kind, start, tenant_id).filter(dims__station__in=mine)
    return [
        pivot("unit_stations", _("Open stations by kind"), "stations.open", stations, "kind", row_header=_("Kind")),
        pivot("unit_dossiers", _("Dossiers by status"), "dossiers.count", dossiers, "status", row_header=_("Status")),
        pivot(
            "unit_receptions",
            _("Reception records by stage"),
            "stations.receptions",
            receptions,
            "stage",
            row_header=_("Stage"),
        ),
    ]


def _months_back(end: date, count: int) -> list[date]:
    months = []
    year, month = end.year, end.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def trend_table(metric: str, dim: str, end: date, tenant_id: int | None = None) -> Table:
    """The last TREND_MONTHS month facts of one metric up to ``end``'s month: the total, or one line per value of
    ``dim``; suppression applies to each shown cell."""
    months = _months_back(end, TREND_MONTHS)
    facts = RollupFact.objects.filter(in_scopes([metric], Period.MONTH, months))
    if tenant_id is not None:
        facts = facts.filter(tenant_id=tenant_id)
    if dim:
        sums = _sums(facts, dim, extra=("period_start",))
        cols = _ordered(metric, dim, {c for c, _p in sums})
    else:
        sums = {(None, p): v for (p,), v in _sums(facts, extra=("period_start",)).items()}
        cols = [None]
    table = Table(
        "trend",
        _("Last %(n)s months") % {"n": TREND_MONTHS},
        [_("Month")] + [_("Total") if c is None else _label(metric, dim, c) for c in cols],
        chart="line",
    )
    for month in months:
        table.rows.append(
            Row(
                month.strftime("%Y-%m"),
                [_cell(metric, sums[(c, month)]) if (c, month) in sums else Cell(None) for c in cols],
            )
        )
    return table


# ------------------------------------------------------------------------------------------------ pages
def _municipal(request):
    tenant = getattr(request._request if hasattr(request, "_request") else request, "tenant", None)
    if tenant is None or not tenant.is_municipal:
        raise Http404
    require(request.user, tenant, Perm.VIEW_ROLLUPS)
    return tenant


def _period(params) -> tuple[str, date]:
    """The period asked for (``period``: month or year, ``start``: a day in it; this month by default). A start
    outside the sane years answers 400 (``core.dates.BadQuery``): the coverage table also reads the years before it,
    and ``date(-3, 1, 1)`` is no period."""
    kind = params.get("period", Period.MONTH)
    if kind not in Period.values:
        kind = Period.MONTH
    start = query_date(params, "start")
    return kind, services.period_bounds(kind, start)[0]


def _union_or_404(pk: int):
    from tenants.models import Tenant

    try:
        return Tenant.objects.exclude(schema_name="public").get(pk=pk, is_active=True)
    except Tenant.DoesNotExist:
        raise Http404 from None


def _trend_params(request, tenant) -> tuple[str, str, dict]:
    known = {m.name: m for m in metrics_for(tenant)}
    metric = request.GET.get("metric", "dossiers.count")
    if metric not in known:
        metric = "dossiers.count"
    # A unit or station is an id: figures per unit are on the union's pages, not in the city's trends.
    dims = tuple(d for d in known[metric].dimensions if d not in ORGANISATION_DIMS) if metric in known else ()
    dim = request.GET.get("dim", "")
    if dim not in dims:
        dim = ""
    if not dim and "measure" in dims:
        dim = "measure"  # counts and amounts (or required and covered) do not add up
    options = {
        "metrics": [(m, known[m].label) for m in DASHBOARD_METRICS if m in known],
        "dims": [(d, DIM_LABELS.get(d, d)) for d in dims],
    }
    return metric, dim, options


def _period_label(kind: str, start: date) -> str:
    return str(start.year) if kind == Period.YEAR else start.strftime("%Y-%m")


def _render(request, template, tables, *, own: bool = False, **context):
    status = services.freshness(request.tenant.pk if own else None)
    charts = [(f"chart-{t.key}", t.chart_data()) for t in tables if t.chart and t.rows]
    return render(request, template, {"tables": tables, "charts": charts, "status": status, "own": own, **context})


def _xlsx(filename: str, title: str, tables, subtitle: str) -> HttpResponse:
    content = exporting.workbook(title, tables, subtitle=subtitle, as_of=services.freshness()["as_of"])
    return xlsx_response(content, filename)


def _export_query(request) -> str:
    return request.GET.urlencode()


@tenant_page(Perm.VIEW_ROLLUPS)
def dashboard(request):
    _municipal(request)
    kind, start = _period(request.GET)
    tables = dashboard_tables(kind, start)
    return _render(
        request,
        "rollups/dashboard.html",
        tables,
        period=kind,
        start=start,
        period_label=_period_label(kind, start),
        unions=_unions(kind, start),
        export_url=reverse("rollups:export") + "?" + _export_query(request),
    )


def _unions(kind, start) -> list[tuple[int, str, str]]:
    from tenants.models import Tenant

    unions = Tenant.objects.filter(is_active=True).exclude(schema_name="public").order_by("name")
    query = f"?period={kind}&start={start}"
    return [(t.pk, t.name, reverse("rollups:tenant", args=[t.pk]) + query) for t in unions]


@tenant_page(Perm.VIEW_ROLLUPS)
def dashboard_export(request):
    _municipal(request)
    kind, start = _period(request.GET)
    label = _period_label(kind, start)
    return _xlsx(f"city-figures-{label}.xlsx", _("City figures"), dashboard_tables(kind, start), label)


@tenant_page(Perm.VIEW_ROLLUPS)
def tenant_detail(request, pk: int):
    _municipal(request)
    union = _union_or_404(pk)
    kind, start = _period(request.GET)
    query = f"?period={kind}&start={start}"
    units = unit_table(
        kind, start, union.pk, Directory.of(union), lambda u: reverse("rollups:unit", args=[union.pk, u]) + query
    )
    tables = [units, *dashboard_tables(kind, start, tenant_id=union.pk)]
    return _render(
        request,
        "rollups/tenant.html",
        tables,
        union=union,
        period=kind,
        start=start,
        period_label=_period_label(kind, start),
        export_url=reverse("rollups:tenant-export", args=[union.pk]) + "?" + _export_query(request),
        trend_url=reverse("rollups:trend") + f"?tenant={union.pk}",
    )


@tenant_page(Perm.VIEW_ROLLUPS)
def unit_detail(request, pk: int, unit: int):
    _municipal(request)
    union = _union_or_404(pk)
    kind, start = _period(request.GET)
    directory = Directory.of(union)
    if str(unit) not in directory.units:
        raise Http404
    tables = unit_detail_tables(kind, start, union.pk, str(unit), directory)
    query = f"?period={kind}&start={start}"
    return _render(
        request,
        "rollups/unit.html",
        tables,
        union=union,
        unit_name=directory.units[str(unit)],
        back_url=reverse("rollups:tenant", args=[union.pk]) + query,
        period=kind,
        start=start,
        period_label=_period_label(kind, start),
    )


@tenant_page(Perm.VIEW_ROLLUPS)
def tenant_export(request, pk: int):
    _municipal(request)
    union = _union_or_404(pk)
    kind, start = _period(request.GET)
    label = _period_label(kind, start)
    units = unit_table(kind, start, union.pk, Directory.of(union), lambda u: "")
    tables = [units, *dashboard_tables(kind, start, tenant_id=union.pk)]
    return _xlsx(f"union-{union.short_code}-{label}.xlsx", union.name, tables, label)


# ------------------------------------------------------------------------------ a union's own figures
def _own_tables(request, kind: str, start: date, links: bool = True) -> list[Table]:
    tenant = request.tenant
    query = f"?period={kind}&start={start}"
    units = unit_table(
        kind,
        start,
        tenant.pk,
        Directory.of(tenant),
        lambda u: reverse("rollups:own-unit", args=[u]) + query if links else "",
    )
    return [units, *dashboard_tables(kind, start, tenant_id=tenant.pk)]


@tenant_page(Perm.VIEW_FIGURES)
def own(request):
    """A county union's figures over its units, an enterprise group's over its subsidiaries: the same facts the
    municipal union sees of it, as of the same time."""
    kind, start = _period(request.GET)
    return _render(
        request,
        "rollups/own.html",
        _own_tables(request, kind, start),
        own=True,
        period=kind,
        start=start,
        period_label=_period_label(kind, start),
        export_url=reverse("rollups:own-export") + "?" + _export_query(request),
    )


@tenant_page(Perm.VIEW_FIGURES)
def own_export(request):
    kind, start = _period(request.GET)
    label = _period_label(kind, start)
    tables = _own_tables(request, kind, start, links=False)
    return _xlsx(f"figures-{request.tenant.short_code}-{label}.xlsx", request.tenant.name, tables, label)


@tenant_page(Perm.VIEW_FIGURES)
def own_unit(request, unit: int):
    kind, start = _period(request.GET)
    directory = Directory.of(request.tenant)
    if str(unit) not in directory.units:
        raise Http404
    return _render(
        request,
        "rollups/unit.html",
        unit_detail_tables(kind, start, request.tenant.pk, str(unit), directory),
        own=True,
        union=request.tenant,
        unit_name=directory.units[str(unit)],
        back_url=reverse("rollups:own") + f"?period={kind}&start={start}",
        period=kind,
        start=start,
        period_label=_period_label(kind, start),
    )


def _trend(request):
    tenant = _municipal(request)
    metric, dim, options = _trend_params(request, tenant)
    _kind, end = _period({"start": request.GET.get("start", "")})
    union = _union_or_404(int(request.GET["tenant"])) if request.GET.get("tenant", "").isdigit() else None
    table = trend_table(metric, dim, end, tenant_id=union.pk if union else None)
    label = next((str(lbl) for m, lbl in options["metrics"] if m == metric), metric)
    table.title = f"{label} · {table.title}"
    return metric, dim, end, union, table, options


@tenant_page(Perm.VIEW_ROLLUPS)
def trend(request):
    metric, dim, end, union, table, options = _trend(request)
    return _render(
        request,
        "rollups/trend.html",
        [table],
        metric=metric,
        dim=dim,
        start=end,
        union=union,
        export_url=reverse("rollups:trend-export") + "?" + _export_query(request),
        **options,
    )


@tenant_page(Perm.VIEW_ROLLUPS)
def trend_export(request):
    metric, dim, end, union, table, _options = _trend(request)
    title = union.name if union else _("City figures")
    return _xlsx(f"trend-{metric}-{end:%Y-%m}.xlsx", title, [table], table.title)


@tenant_page(Perm.VIEW_ROLLUPS)
def status(request):
    """How many tenant-periods are still waiting (the refresh progress polls this)."""
    _municipal(request)
    figures = services.freshness()
    as_of = figures["as_of"]
    return JsonResponse(
        {
            "waiting": figures["waiting"],
            "as_of": timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M") if as_of else None,
            "failures": len(figures["failures"]),
        }
    )


def refresh_all() -> int:
    """Mark every active tenant's current periods dirty and dispatch at once."""
    from rollups.tasks import dispatch

    count = services.mark_all(services.current_periods())
    dispatch.delay()
    return count


@require_POST
@tenant_page(Perm.VIEW_ROLLUPS)
def refresh(request):
    _municipal(request)
    count = refresh_all()
    messages.success(request, _("Recomputing the figures of %(count)s unions; the page shows them as they arrive.")
                     % {"count": count})  # fmt: skip
    return redirect("rollups:dashboard")


page_urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("export/", dashboard_export, name="export"),
    path("trend/", trend, name="trend"),
    path("trend/export/", trend_export, name="trend-export"),
    path("unions/<int:pk>/", tenant_detail, name="tenant"),
    path("unions/<int:pk>/export/", tenant_export, name="tenant-export"),
    path("unions/<int:pk>/units/<int:unit>/", unit_detail, name="unit"),
    path("own/", own, name="own"),
    path("own/export/", own_export, name="own-export"),
    path("own/units/<int:unit>/", own_unit, name="own-unit"),
    path("status/", status, name="status"),
    path("refresh/", refresh, name="refresh"),
]


class FigureSerializer(serializers.Serializer):
    tenant = serializers.CharField(required=False)
    dims = serializers.DictField(child=serializers.CharField())
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    suppressed = serializers.BooleanField()


class FreshnessSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    waiting = serializers.IntegerField()
    failures = serializers.ListField(child=serializers.DictField())


class Figures(TenantAPIView):
    """The city's figures of one metric for a period (`period`=month|year, `start`=a date in it), summed over the
    unions, or per union with `by_tenant=1`. Cells about fewer than 3 people are suppressed."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str, required=True),
            OpenApiParameter("period", str, enum=Period.values),
            OpenApiParameter("start", str),
            OpenApiParameter("by_tenant", bool),
        ],
        responses=FigureSerializer(many=True),
    )
    def get(self, request):
        _municipal(request)
        metric = request.query_params.get("metric")
        if not metric:
            raise serializers.ValidationError({"metric": [_("Name the metric.")]})
        kind, start = _period(request.query_params)
        by_tenant = request.query_params.get("by_tenant") in ("1", "true")
        return Response(FigureSerializer(services.city_figures(metric, kind, start, by_tenant), many=True).data)


class Status(TenantAPIView):
    """When the figures were computed, how many tenant periods wait, and recent failures."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(responses=FreshnessSerializer)
    def get(self, request):
        _municipal(request)
        return Response(FreshnessSerializer(services.freshness()).data)


api_urlpatterns = [
    path("rollups/figures/", Figures.as_view(), name="rollup-figures"),
    path("rollups/status/", Status.as_view(), name="rollup-status"),
]
