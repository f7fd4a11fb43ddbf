"""Rollups: every tenant's figures upserted into the public schema, exact, idempotent, aggregates only."""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from core.people.models import Unit
from dossiers.models import Dossier
from rollups import services
from rollups.models import Change, DirtyPeriod, FactDigest, Period, RollupFact, RollupRun
from stations import services as stations
from stations.models import FundEntry
from tests.factories import file, filed, household, resident_id

MONTH = date.today().replace(day=1)


def fill(tenant, admin, households: int, income: str):
    with schema_context(tenant.schema_name):
        account = stations.open_account(admin, tenant, name="帮扶资金")
        stations.book_income(admin, tenant, account.pk, amount=income, source="upper_union")
        stations.book_expenditure(admin, tenant, account.pk, amount="10.50", purpose="慰问", approver="主席")
    for i in range(households):
        others = {
            "1": {"id_number": resident_id(seq=500 + 2 * i)},
            "2": {"id_number": resident_id(born="20120101", seq=i)},
        }
        members = household(resident_id(seq=100 + 2 * i), **others)
        (filed if i % 2 else file)(tenant, admin, members=members)


def compute_all(*tenants):
    for tenant in tenants:
        with schema_context(tenant.schema_name):
            for kind, start in services.current_periods():
                services.compute_period(tenant, kind, start)


def test_rollup_equals_totals_from_the_tenants_own_rows(standards, tenant_a, tenant_b, persona):
    fill(tenant_a, persona("alice"), 5, "1000.25")
    fill(tenant_b, persona("bob"), 3, "500.00")
    compute_all(tenant_a, tenant_b)
    expected_dossiers: dict = {}
    expected_money: dict = {}
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            for row in Dossier.objects.values("status").annotate(n=Count("id")):
                expected_dossiers[row["status"]] = expected_dossiers.get(row["status"], 0) + row["n"]
            for row in FundEntry.objects.values("kind").annotate(total=Sum("amount")):
                expected_money[row["kind"]] = expected_money.get(row["kind"], Decimal("0")) + row["total"]
    got_dossiers: dict = {}
    for fact in RollupFact.objects.filter(metric="dossiers.count", period_kind=Period.MONTH, period_start=MONTH):
        got_dossiers[fact.dims["status"]] = got_dossiers.get(fact.dims["status"], 0) + int(fact.value)
    assert got_dossiers == expected_dossiers == {"draft": 5, "filed": 3}
    got_money: dict = {}
    for fact in RollupFact.objects.filter(metric="stations.fund_flows", period_kind=Period.MONTH, period_start=MONTH):
        got_money[fact.dims["kind"]] = got_money.get(fact.dims["kind"], Decimal("0")) + fact.value
    assert got_money == expected_money == {"income": Decimal("1500.25"), "expenditure": Decimal("-21.00")}


def test_a_repeated_run_changes_nothing_and_removes_stale_cells(standards, tenant_a, tenant_b, persona):
    fill(tenant_a, persona("alice"), 2, "100")
    compute_all(tenant_a)
    # The same cells, not written again (a rewritten cell has a new time).
    before = sorted(RollupFact.objects.values_list("pk", "value", "rows", "computed_at"))
    compute_all(tenant_a)
    assert sorted(RollupFact.objects.values_list("pk", "value", "rows", "computed_at")) == before
    assert RollupRun.objects.filter(status="ok").count() == 4
    with schema_context(tenant_a.schema_name):
        Dossier.objects.filter(status="draft").update(status="cancelled")
    compute_all(tenant_a)
    statuses = {fact.dims["status"] for fact in RollupFact.objects.filter(metric="dossiers.count")}
    assert statuses == {"filed", "cancelled"}  # no "draft" cell left behind
    assert not RollupFact.objects.filter(tenant=tenant_b).exists()


def test_rollup_rows_hold_no_personal_data(standards, tenant_a, persona):
    fill(tenant_a, persona("alice"), 2, "100")
    with schema_context(tenant_a.schema_name):
        unit = Unit.objects.create(kind="township", name="苏稽镇")
        desk = stations.save_station(
            persona("alice"), tenant_a, {"unit": unit, "kind": "own", "established_on": date(2020, 1, 1)}
        )
        stations.register_visit(
            persona("alice"), tenant_a, station=desk, visitor_name="王建国", category="medical", request="x"
        )
    compute_all(tenant_a)
    text = repr(list(RollupFact.objects.values_list("metric", "dims", "dims_key", "value")))
    for personal in ("王建国", "李秀英", "苏稽镇", resident_id(), resident_id(seq=100)):
        assert personal not in text


def test_changes_are_logged_with_the_metric_columns_only_and_not_when_rolled_back(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        unit = Unit.objects.create(kind="township", name="苏稽镇")
        Unit.objects.filter(pk=unit.pk).update(name="九峰镇")  # no column a figure is made of: not logged
        Unit.objects.filter(pk=unit.pk).update(kind="enterprise", has_union=True)
        unit.delete()
    logged = list(Change.objects.order_by("pk").values_list("schema_name", "source", "old", "new"))
    township = {"kind": "township", "has_union": False, "above_designated_size": False}
    enterprise = {**township, "kind": "enterprise", "has_union": True}
    assert logged == [
        (tenant_a.schema_name, "stations_unit", None, township),
        (tenant_a.schema_name, "stations_unit", township, enterprise),
        (tenant_a.schema_name, "stations_unit", enterprise, None),
    ]
    assert "镇" not in repr(logged)  # names never reach the log
    with pytest.raises(RuntimeError), transaction.atomic(), schema_context(tenant_b.schema_name):
        Unit.objects.create(kind="township", name="符溪镇")
        raise RuntimeError("rolled back")
    assert not Change.objects.filter(schema_name=tenant_b.schema_name).exists()


def test_small_cells_are_suppressed_and_only_the_municipal_union_reads_figures(
    standards, tenant_a, tenant_b, municipal, persona, api_for
):
    fill(tenant_a, persona("alice"), 2, "100")
    compute_all(tenant_a)
    api = api_for(municipal, persona("mayor"))
    rows = api.get("/api/rollups/figures/", {"metric": "dossiers.count"}).json()
    assert all(row["suppressed"] and row["value"] is None for row in rows)  # 1 draft, 1 filed: too few to show
    money = api.get("/api/rollups/figures/", {"metric": "stations.fund_flows", "by_tenant": "1"}).json()
    assert {row["tenant"] for row in money} == {tenant_a.name}
    assert api.get("/api/rollups/figures/").status_code == 400
    assert api_for(tenant_a, persona("alice")).get("/api/rollups/figures/", {"metric": "x"}).status_code in (403, 404)
    assert api.get("/api/rollups/status/").json()["waiting"] == 0


@pytest.mark.worker
def test_a_dirty_period_reaches_the_figures_through_a_real_worker(no_rollup_state, celery_worker_process, tenant_a):
    from rollups.tasks import dispatch

    committed = no_rollup_state
    committed(
        "INSERT INTO public.rollups_dirtyperiod (tenant_id, period_kind, period_start, marked_at)"
        " VALUES (%s, 'month', %s, now())",
        [tenant_a.pk, MONTH],
    )
    assert dispatch.delay().get(timeout=60) == {"changes": 0, "batches": 1}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not RollupRun.objects.filter(tenant=tenant_a, status="ok").exists():
        time.sleep(0.3)
    members = {f.dims["role"]: f.value for f in RollupFact.objects.filter(tenant=tenant_a, metric="core.members")}
    assert members == {"tenant_admin": 1, "station_staff": 1}
    assert not DirtyPeriod.objects.filter(tenant=tenant_a).exists()


def test_the_municipal_user_cannot_open_a_countys_dossiers(standards, tenant_a, persona, client_for, api_for):
    dossier = filed(tenant_a, persona("alice"))
    mayor = persona("mayor")
    assert client_for(tenant_a, mayor).get(f"/dossiers/{dossier.pk}/").status_code == 302  # to login: no member
    assert api_for(tenant_a, mayor).get(f"/api/dossiers/{dossier.pk}/").status_code == 401
    assert api_for(tenant_a, mayor).get("/api/dossiers/").status_code == 401


def test_a_snapshots_year_figure_is_each_tenants_latest_month_with_figures(tenant_a, tenant_b):
    """Dossiers by status are the state of a day, kept per month: a year's figure is, per tenant, that of its latest
    month with figures in the year (found by the facts' primary key), never a sum of months nor another year's."""
    year = MONTH.year - 1
    now = timezone.now()

    def stored(tenant, month: date, filed: int):
        dims = {"status": "filed"}
        RollupFact.objects.create(
            tenant=tenant, period_kind="month", period_start=month, metric="dossiers.count",
            dims_key=services.dims_key(dims), value=Decimal(filed), rows=filed, computed_at=now,
        )  # fmt: skip
        FactDigest.objects.create(
            tenant=tenant, period_kind="month", period_start=month, metric="dossiers.count", digest=0, cells=1,
            verified_at=now,
        )  # fmt: skip

    stored(tenant_a, date(year, 3, 1), 5)
    stored(tenant_a, date(year, 11, 1), 7)
    stored(tenant_b, date(year, 6, 1), 4)
    stored(tenant_b, date(year + 1, 1, 1), 9)  # the next year
    facts = services.facts_for("dossiers.count", Period.YEAR, date(year, 1, 1))
    got = {(f.tenant_id, f.period_start): f.value for f in facts}
    assert got == {(tenant_a.pk, date(year, 11, 1)): 7, (tenant_b.pk, date(year, 6, 1)): 4}
    figures = services.city_figures("dossiers.count", Period.YEAR, date(year, 1, 1), by_tenant=True)
    assert {(row["tenant"], row["value"]) for row in figures} == {(tenant_a.name, 7), (tenant_b.name, 4)}
