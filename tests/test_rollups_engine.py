"""The rollup engine in this process, on two tenants: the set-based SQL gives exactly what each metric's reference
computation (its Python ``compute``) gives from the tenant's own rows; logged changes — made through the services,
bulk updates and deletes alike — carry the figures along cell by cell to exactly what a whole computation gives,
only for the tenant that changed; the digests of the stored cells follow every write, spare the comparison while
trusted and not after; the figures are read by the primary key; and every column the cells use is logged."""

import json
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from core.people.models import Unit
from core.plugins import installed_metrics, metrics_for
from dossiers import services as dossiers
from dossiers.models import Assistance, Dossier
from rollups import engine, services
from rollups import models as rollups_models
from rollups.models import Change, ComputedPeriod, DigestChange, DirtyPeriod, FactDigest, RollupFact
from stations import services as stations
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station
from tenants.models import Tenant
from tests.factories import file, filed, household, resident_id
from tests.rollup_oracle import counted

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
EARLIER = (MONTH - timedelta(days=1)).replace(day=1)  # the previous month
LAST_YEAR = date(TODAY.year - 1, 1, 1)
PERIODS = [("month", MONTH), ("year", date(TODAY.year, 1, 1)), ("month", EARLIER), ("year", LAST_YEAR)]
SNAPSHOTS = {m.name for m in installed_metrics() if m.cells and not (m.cells.date or m.cells.as_of)}


def reference(tenant, kind, start) -> dict:
    """(metric, dims key) → value, counted in the test from the tenant's rows with plain SQL (tests.rollup_oracle);
    the metrics' own Python definitions must give the same (they are the product's second implementation, not the
    oracle)."""
    lo, hi = services.period_bounds(kind, start)
    current = kind == "month" and lo <= TODAY <= hi
    names = {m.name for m in metrics_for(Tenant.objects.get(pk=tenant.pk))}
    out = counted(tenant, kind, start, snapshot=current, metrics=names)
    assert python_reference(tenant, kind, start) == out, (tenant.schema_name, kind, start)
    return out


def python_reference(tenant, kind, start) -> dict:
    """(metric, dims key) → value, computed by each metric's Python reference from the tenant's rows."""
    fresh = Tenant.objects.get(pk=tenant.pk)
    lo, hi = services.period_bounds(kind, start)
    current = kind == "month" and lo <= TODAY <= hi
    out = {}
    with tenant_context(fresh):
        for metric in metrics_for(fresh):
            if metric.name in SNAPSHOTS and not current:
                continue  # a snapshot of today is kept for the current month only
            for dims, value in metric.compute(fresh, (lo, hi)):
                out[(metric.name, services.dims_key(dims))] = Decimal(value or 0)
    connection.set_schema_to_public()
    return out


def stored(tenant, kind, start) -> dict:
    rows = RollupFact.objects.filter(tenant_id=tenant.pk, period_kind=kind, period_start=start)
    return {(f.metric, f.dims_key): f.value for f in rows}


CELLS = {m.name for m in installed_metrics() if m.cells}


def assert_exact(*tenants, after_changes=False):
    """Facts equal the reference. After changes, a past period follows them only in its cells metrics: the others
    (coverage, overdue records, …) are recomputed for the current periods and keep a past period's figures until
    its next whole computation (nightly for the previous month)."""
    for tenant in tenants:
        for kind, start in PERIODS:
            lo, hi = services.period_bounds(kind, start)
            want, got = reference(tenant, kind, start), stored(tenant, kind, start)
            if after_changes and not lo <= TODAY <= hi:
                want = {k: v for k, v in want.items() if k[0] in CELLS}
                got = {k: v for k, v in got.items() if k[0] in CELLS}
            assert got == want, (tenant.schema_name, kind, start)


def digests() -> dict:
    """(tenant, period kind, start, metric) → (digest, cells), as stored, with the changes logged since folded in
    (``DigestChange``) where there is a digest."""
    out = {
        (d.tenant_id, d.period_kind, d.period_start, d.metric): (d.digest, d.cells) for d in FactDigest.objects.all()
    }
    for change in DigestChange.objects.all():
        key = (change.tenant_id, change.period_kind, change.period_start, change.metric)
        if key in out:
            out[key] = (out[key][0] ^ change.digest, out[key][1] + change.cells)
    return out


def assert_digests_describe_the_facts():
    """Every digest, with the changes logged since folded in, is that of the stored cells of its (tenant, period,
    metric), worked out here from the facts; and every fact's cell (computed by the database) is the one the engine
    looks it up by."""
    digest = engine.cell_hash("dims_key", "value", "rows")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE f.cell <> {engine.cell_sql('f')}) FROM rollups_rollupfact f"
        )
        facts, astray = cur.fetchone()
        assert facts and not astray
        cur.execute(
            f"SELECT tenant_id, period_kind, period_start, metric, bit_xor({digest}), count(*)"
            " FROM public.rollups_rollupfact GROUP BY 1, 2, 3, 4"
        )
        from_facts = {tuple(row[:4]): (row[4], row[5]) for row in cur.fetchall()}
    described = digests()
    assert described, "no digests"
    for key, digest in described.items():
        assert from_facts.get(key, (0, 0)) == digest, key
    assert set(from_facts) <= set(described)  # every computed (period, metric) has its digest


def items(*tenants):
    return [(t.schema_name, kind, start) for t in tenants for kind, start in PERIODS]


def lived_in(tenant, admin, households: int, seq: int):
    """Units, stations (one closed), receptions in every stage, a fund, dossiers and assistance over two years."""
    with schema_context(tenant.schema_name):
        town = Unit.objects.create(kind="township", name="街道")
        firm = Unit.objects.create(
            kind="enterprise", name="企业", employee_count=500, has_union=True, union_is_sound=True,
            above_designated_size=True,
        )  # fmt: skip
        Unit.objects.create(kind="enterprise", name="企业二", employee_count=300, has_union=True,
                            above_designated_size=True)  # fmt: skip
        desk = stations.save_station(admin, tenant, {"unit": town, "kind": "own", "established_on": date(2020, 1, 1)})
        stations.save_station(admin, tenant, {"unit": firm, "kind": "own", "established_on": date(2021, 3, 1)})
        account = stations.open_account(admin, tenant, name="帮扶资金")
        stations.book_income(admin, tenant, account.pk, amount="5000.00", source="upper_union")
        stations.book_expenditure(admin, tenant, account.pk, amount="10.50", purpose="慰问", approver="主席")
        for i, category in enumerate(["medical", "living", "rights"]):
            when = timezone.now() - timedelta(days=40 * i)
            record = stations.register_visit(
                admin, tenant, station=desk, visitor_name=f"访客{i}", category=category, request="求助", visited_at=when
            )
            if i:
                stations.archive_visit(admin, tenant, record.pk, archive_ref=f"A-{i}")
    made = []
    for i in range(households):
        members = household(resident_id(seq=seq + 2 * i), **{"1": {"id_number": resident_id(seq=seq + 1 + 2 * i)}})
        made.append((filed if i % 3 else file)(tenant, admin, members=members))
    with schema_context(tenant.schema_name):
        for i, dossier in enumerate(d for d in made if d.status == "filed"):
            for given_on, amount in ((TODAY, "300.00"), (EARLIER + timedelta(days=3), "125.50"),
                                     (date(TODAY.year - 1, 6, 1), "80.00")):  # fmt: skip
                dossiers.record_assistance(
                    admin, tenant, dossier.pk, kind=["living", "medical"][i % 2], amount=amount, given_on=given_on
                )
    return made


def test_the_set_based_rollup_equals_the_reference_computation(standards, tenant_a, tenant_b, persona):
    lived_in(tenant_a, persona("alice"), 5, 100)
    lived_in(tenant_b, persona("bob"), 3, 300)
    result = engine.recompute(items(tenant_a, tenant_b))
    assert (result["done"], result["skipped"]) == (8, 0)
    assert_exact(tenant_a, tenant_b)
    assert set(ComputedPeriod.objects.values_list("tenant_id", flat=True)) == {tenant_a.pk, tenant_b.pk}
    # Each tenant's facts come from its own rows only.
    households_a = sum(v for (m, _k), v in stored(tenant_a, "month", MONTH).items() if m == "dossiers.count")
    households_b = sum(v for (m, _k), v in stored(tenant_b, "month", MONTH).items() if m == "dossiers.count")
    assert (households_a, households_b) == (5, 3)
    # A snapshot (dossiers by status, the state of today) is kept for the month; the year shows its latest month.
    year = {(f.tenant_id, f.dims_key): f.value for f in services.facts_for("dossiers.count", "year", PERIODS[1][1])}
    month = {(f.tenant_id, f.dims_key): f.value for f in services.facts_for("dossiers.count", "month", MONTH)}
    assert year == month and sum(year.values()) == 8
    # A second run finds nothing to write: the same cells, not written again (same times).
    before = list(RollupFact.objects.order_by("pk").values_list("pk", "value", "computed_at"))
    engine.recompute(items(tenant_a, tenant_b))
    assert list(RollupFact.objects.order_by("pk").values_list("pk", "value", "computed_at")) == before
    assert_digests_describe_the_facts()


def prepared_in_session() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'bangfu_rollup_%'")
        return {row[0] for row in cur.fetchall()}


def test_a_session_keeps_a_bounded_number_of_prepared_statements(standards, tenant_a, tenant_b, persona, settings):
    lived_in(tenant_a, persona("alice"), 3, 100)
    lived_in(tenant_b, persona("bob"), 2, 300)
    # The engine's own four statements of a whole computation (the changes, the digests' fold, the runs' start and
    # their end) are kept besides the tenants' bounded ones.
    settings.ROLLUP_PREPARED_STATEMENTS = 1
    own = 4
    engine.prepared.forget()  # this session starts afresh
    engine.recompute(items(tenant_a))
    held_for_a = prepared_in_session()
    assert len(held_for_a) == 1 + own
    engine.recompute(items(tenant_b))  # tenant_a's statement makes room for tenant_b's
    held_for_b = prepared_in_session()
    assert len(held_for_b) == 1 + own and len(held_for_b & held_for_a) == own
    with schema_context(tenant_a.schema_name):
        Dossier.objects.filter(status="filed").update(status="lifted")
    connection.set_schema_to_public()
    engine.recompute(items(tenant_a))  # planned again, and exact
    assert len(prepared_in_session()) == 1 + own
    assert_exact(tenant_a, tenant_b)
    settings.ROLLUP_PREPARED_STATEMENTS = 100
    engine.recompute(items(tenant_a, tenant_b))
    assert len(prepared_in_session()) == 2 + own  # both tenants', and the engine's own
    assert_exact(tenant_a, tenant_b)
    # Each statement was prepared in a message of its own: the server keeps (and copies at every execution) that
    # message as the statement's text, never the script of a whole batch.
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'bangfu_rollup_%'")
        texts = [row[0] for row in cur.fetchall()]
    assert texts and all(text.count("PREPARE ") == 1 and "EXECUTE " not in text for text in texts)
    engine.prepared.evict()  # the tenants' statements go, the engine's own stay
    assert len(prepared_in_session()) == own
    engine.recompute(items(tenant_a, tenant_b))
    assert len(prepared_in_session()) == 2 + own
    assert_exact(tenant_a, tenant_b)


def test_logged_changes_carry_the_figures_cell_by_cell_only_for_their_tenant(standards, tenant_a, tenant_b, persona):
    alice = persona("alice")
    made = lived_in(tenant_a, alice, 6, 100)
    lived_in(tenant_b, persona("bob"), 3, 300)
    engine.recompute(items(tenant_a, tenant_b))
    Change.objects.all().delete()  # what the whole computation already holds
    of_b = RollupFact.objects.filter(tenant_id=tenant_b.pk).order_by("pk")
    facts_b = list(of_b.values_list("pk", "value", "computed_at"))

    with schema_context(tenant_a.schema_name):
        # Through the services, and behind their back (bulk updates and deletes never send a signal).
        members = household(resident_id(seq=700), **{"1": {"id_number": resident_id(seq=701)}})
        new = filed(tenant_a, alice, members=members)
        dossiers.record_assistance(alice, tenant_a, new.pk, kind="schooling", amount="999.99", given_on=TODAY)
        Dossier.objects.filter(pk=made[1].pk).update(status="lifted")
        Dossier.objects.filter(pk=made[3].pk).update(tier="deep")
        Assistance.objects.filter(dossier_id=made[2].pk, given_on__lt=MONTH).update(amount=Decimal("1.25"))
        Assistance.objects.filter(dossier_id=made[4].pk).delete()
        Dossier.objects.filter(pk=made[0].pk).delete()  # a draft
        for record in ReceptionRecord.objects.filter(stage="registered"):
            stations.archive_visit(alice, tenant_a, record.pk, archive_ref="B-1")
        Station.objects.filter(unit__name="企业").update(closed_on=TODAY - timedelta(days=1))
        Unit.objects.filter(name="企业二").update(has_union=False)
        stations.book_income(alice, tenant_a, FundAccount.objects.get().pk, amount="12.34", source="donation")
        stations.reverse_entry(alice, tenant_a, FundEntry.objects.get(kind="expenditure").pk, note="记错")
    assert Change.objects.filter(schema_name=tenant_a.schema_name).exists()
    assert not Change.objects.filter(schema_name=tenant_b.schema_name).exists()

    result = engine.apply_changes([tenant_a.schema_name, tenant_b.schema_name])
    assert result == {"tenants": 1, "skipped": 0}
    assert not Change.objects.exists()  # consumed
    assert_exact(tenant_a, tenant_b, after_changes=True)
    assert list(of_b.values_list("pk", "value", "computed_at")) == facts_b
    assert_digests_describe_the_facts()
    # A whole computation now finds the digests it computes (those of the changed cells): it writes nothing.
    before = list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at"))
    engine.recompute([(tenant_a.schema_name, "month", MONTH), (tenant_a.schema_name, "year", PERIODS[1][1])])
    assert list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at")) == before
    # Applying again changes nothing.
    before = list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at"))
    engine.apply_changes([tenant_a.schema_name, tenant_b.schema_name])
    assert list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at")) == before


def test_the_change_statement_covers_the_tables_changed_lately_and_applies_the_others_at_once(
    standards, tenant_a, tenant_b, persona, monkeypatch
):
    alice, bob = persona("alice"), persona("bob")
    lived_in(tenant_a, alice, 4, 100)
    lived_in(tenant_b, bob, 3, 300)
    engine.recompute(items(tenant_a, tenant_b))
    Change.objects.all().delete()
    monkeypatch.setattr(engine, "_lately", {})  # a new worker process: no table changed lately
    monkeypatch.setattr(engine, "_made", set())
    made, statement = [], engine._changes_statement
    monkeypatch.setattr(
        engine, "_changes_statement", lambda tables=None, **kw: made.append(tables) or statement(tables, **kw)
    )
    both = [tenant_a.schema_name, tenant_b.schema_name]

    with schema_context(tenant_a.schema_name):
        Dossier.objects.filter(status="filed").update(tier="accidental")
    assert engine.apply_changes(both) == {"tenants": 1, "skipped": 0}
    assert made == [None]  # the statement for every table
    assert set(engine._lately) == {"dossiers_dossier"}

    # The dossiers again, in tenant A, and other tables in tenant B: the statement for the dossiers applies theirs
    # and names the others, which the statement for every table applies at once.
    made.clear()
    with schema_context(tenant_a.schema_name):
        Dossier.objects.filter(tier="accidental").update(tier="relative")
    with schema_context(tenant_b.schema_name):
        stations.book_income(bob, tenant_b, FundAccount.objects.get().pk, amount="12.34", source="donation")
        for record in ReceptionRecord.objects.filter(stage="registered"):
            stations.archive_visit(bob, tenant_b, record.pk, archive_ref="B-1")
    assert engine.apply_changes() == {"tenants": 2, "skipped": 0}  # the tenants with changes, as the worker asks
    assert made == [frozenset({"dossiers_dossier"}), None]
    assert not Change.objects.exists()
    assert_exact(tenant_a, tenant_b, after_changes=True)
    assert_digests_describe_the_facts()
    lately = frozenset(engine._lately)
    assert {"dossiers_dossier", "stations_fundentry", "stations_receptionrecord"} <= lately

    # Tables changed lately, all covered: one statement, for them.
    Change.objects.all().delete()  # the reference computation stores the tenants' station policy (logged)
    made.clear()
    of_a = list(RollupFact.objects.filter(tenant_id=tenant_a.pk).order_by("pk").values_list("pk", "value"))
    with schema_context(tenant_b.schema_name):
        Dossier.objects.filter(status="filed").update(tier="accidental")
        stations.book_income(bob, tenant_b, FundAccount.objects.get().pk, amount="1.00", source="donation")
    assert engine.apply_changes(both) == {"tenants": 1, "skipped": 0}
    assert made == [lately]
    assert not Change.objects.exists()
    assert_exact(tenant_a, tenant_b, after_changes=True)
    assert list(RollupFact.objects.filter(tenant_id=tenant_a.pk).order_by("pk").values_list("pk", "value")) == of_a


def test_applies_log_what_they_do_to_the_digests_and_a_whole_computation_folds_it_in_first(
    standards, tenant_a, tenant_b, persona
):
    def as_stored():
        return sorted(FactDigest.objects.values_list("tenant_id", "period_kind", "period_start", "metric", "digest"))

    made = {
        tenant_a: lived_in(tenant_a, persona("alice"), 4, 100),
        tenant_b: lived_in(tenant_b, persona("bob"), 3, 300),
    }
    engine.recompute(items(tenant_a, tenant_b))
    assert not DigestChange.objects.exists()
    before = as_stored()
    for tenant, dossiers_made in made.items():
        with schema_context(tenant.schema_name):
            Dossier.objects.filter(pk=dossiers_made[1].pk).update(status="lifted")
            Assistance.objects.filter(dossier_id=dossiers_made[2].pk, given_on__lt=MONTH).update(amount=Decimal("3"))
    assert engine.apply_changes() == {"tenants": 2, "skipped": 0}
    # The digests are as they were; what the changes did to them is logged, for each tenant and (period, metric).
    assert as_stored() == before
    logged = set(DigestChange.objects.values_list("tenant_id", "period_kind", "period_start", "metric"))
    assert {(t.pk, "month", MONTH, "dossiers.count") for t in made} <= logged
    assert {(t.pk, "month", EARLIER, "dossiers.assistance") for t in made} <= logged
    assert_digests_describe_the_facts()
    # The next whole computation of A folds A's in first, so that it finds every digest it computes and compares no
    # cell: facts of changed cells, then changed by hand behind the engine's back, are left as they are (until the
    # nightly comparison). B's stay logged.
    right = stored(tenant_a, "month", MONTH)
    tampered = RollupFact.objects.filter(tenant_id=tenant_a.pk, period_kind="month", metric="dossiers.count")
    tampered.update(value=F("value") + 10)
    facts = list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at"))
    engine.recompute(items(tenant_a))
    assert list(RollupFact.objects.order_by("pk").values_list("pk", "value", "rows", "computed_at")) == facts
    assert set(DigestChange.objects.values_list("tenant_id", flat=True)) == {tenant_b.pk}
    tampered.update(value=F("value") - 10)
    assert stored(tenant_a, "month", MONTH) == right
    assert_digests_describe_the_facts()
    assert_exact(tenant_a, tenant_b, after_changes=True)
    # A tenant no longer active has its logged changes dropped nightly, those of its digests too; not the others'.
    with schema_context(tenant_a.schema_name):
        Dossier.objects.filter(pk=made[tenant_a][1].pk).update(status="cancelled")
    engine.apply_changes()
    Tenant.objects.filter(pk=tenant_b.pk).update(is_active=False)
    services.drop_orphan_changes()
    assert set(DigestChange.objects.values_list("tenant_id", flat=True)) == {tenant_a.pk}


def test_a_trusted_digest_spares_the_comparison_then_the_nightly_run_compares_the_cells_again(
    standards, tenant_a, tenant_b, persona
):
    lived_in(tenant_a, persona("alice"), 4, 100)
    lived_in(tenant_b, persona("bob"), 3, 300)
    engine.recompute(items(tenant_a, tenant_b))
    right = {t.pk: stored(t, "month", MONTH) for t in (tenant_a, tenant_b)}
    # Facts changed by hand, behind the engine's back (its digests do not know).
    tampered = RollupFact.objects.filter(tenant_id=tenant_a.pk, period_kind="month", metric="dossiers.count")
    tampered.update(value=F("value") + 10)
    # Within DIGEST_TRUSTED_FOR of the last comparison, the computed cells hash to the stored digest: not compared.
    engine.recompute(items(tenant_a, tenant_b))
    assert stored(tenant_a, "month", MONTH) != right[tenant_a.pk]
    # Later (the nightly run comes a day later), the digests are not trusted: the cells are compared and corrected,
    # and the digests are verified again.
    FactDigest.objects.update(verified_at=timezone.now() - timedelta(hours=21))
    engine.recompute(items(tenant_a, tenant_b))
    assert {t.pk: stored(t, "month", MONTH) for t in (tenant_a, tenant_b)} == right
    assert_exact(tenant_a, tenant_b)
    assert not FactDigest.objects.filter(verified_at__lt=timezone.now() - timedelta(hours=1)).exists()
    assert_digests_describe_the_facts()


def test_query_metrics_of_a_tenant_busy_after_its_changes_are_left_to_the_next_dispatch(
    standards, tenant_a, tenant_b, persona, monkeypatch
):
    lived_in(tenant_a, persona("alice"), 3, 100)
    lived_in(tenant_b, persona("bob"), 2, 300)
    engine.recompute(items(tenant_a, tenant_b))
    Change.objects.all().delete()
    with schema_context(tenant_a.schema_name):
        Unit.objects.filter(name="企业二").update(has_union=False)  # station coverage reads units: a query metric
        Dossier.objects.filter(status="filed").update(tier="deep")  # a cells metric
    # Between the changes' commit and the query metrics' own transaction, a writer takes tenant A's lock. Here, in
    # the test's one transaction (which already holds A's lock from consuming the changes), `_lock` can only be told
    # so; test_rollups_worker's test_query_metrics_of_a_tenant_whose_lock_a_writer_holds_… holds the real advisory
    # lock from a second connection against the real `_lock`, committed as in a worker.
    monkeypatch.setattr(engine, "_lock", lambda schemas: set())
    assert engine.apply_changes([tenant_a.schema_name, tenant_b.schema_name]) == {"tenants": 1, "skipped": 0}
    month = stored(tenant_a, "month", MONTH)
    want = reference(tenant_a, "month", MONTH)
    assert {k: v for k, v in month.items() if k[0] in CELLS} == {k: v for k, v in want.items() if k[0] in CELLS}
    assert {k: v for k, v in month.items() if k[0] == "stations.coverage"} != {
        k: v for k, v in want.items() if k[0] == "stations.coverage"
    }
    # ... so its current periods are marked dirty (the next dispatch computes them whole); tenant B's are not.
    marked = set(DirtyPeriod.objects.values_list("tenant_id", "period_kind", "period_start"))
    assert marked == {(tenant_a.pk, kind, start) for kind, start in services.current_periods()}
    monkeypatch.undo()
    engine.recompute([(tenant_a.schema_name, kind, start) for kind, start in services.current_periods()])
    assert stored(tenant_a, "month", MONTH) == reference(tenant_a, "month", MONTH)


def test_a_change_to_a_period_never_computed_waits_for_its_whole_computation(standards, tenant_a, tenant_b, persona):
    """Tenant A has its month computed, not its year; tenant B its year, not its month (where the snapshots are
    kept): the changes of both, applied together, reach A's month only, and B's figures stay as they were."""
    made = lived_in(tenant_a, persona("alice"), 2, 100)
    made_b = lived_in(tenant_b, persona("bob"), 2, 300)
    engine.recompute([(tenant_a.schema_name, "month", MONTH), (tenant_b.schema_name, "year", PERIODS[1][1])])
    facts_b = list(RollupFact.objects.filter(tenant_id=tenant_b.pk).order_by("pk").values_list("pk", "value"))
    with schema_context(tenant_a.schema_name):
        Assistance.objects.update(amount=Decimal("7.00"))
        Dossier.objects.filter(pk=made[1].pk).update(status="lifted")  # a snapshot's cell, in A's current month
    with schema_context(tenant_b.schema_name):
        Dossier.objects.filter(pk=made_b[1].pk).update(status="lifted")  # B's current month was never computed
    assert engine.apply_changes() == {"tenants": 2, "skipped": 0}  # the tenants with logged changes
    assert not Change.objects.exists()
    assert not RollupFact.objects.filter(tenant_id=tenant_a.pk, period_kind="year").exists()
    assert stored(tenant_a, "month", MONTH) == reference(tenant_a, "month", MONTH)
    assert list(RollupFact.objects.filter(tenant_id=tenant_b.pk).order_by("pk").values_list("pk", "value")) == facts_b
    assert not RollupFact.objects.filter(tenant_id=tenant_b.pk, period_kind="month").exists()


def test_every_column_a_cells_metric_uses_is_logged(tenant_a, tenant_b):
    """The triggers of both tenant schemas (cloned from the template) log the columns of every installed metric."""
    for tenant in (tenant_a, tenant_b):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = %s AND t.tgname = 'bangfu_log_change'",
                [tenant.schema_name],
            )
            logged = {table: set(bytes(args).decode().rstrip("\x00").split("\x00")) for table, args in cur.fetchall()}
        for metric in installed_metrics():
            if metric.cells:
                assert metric.cells.columns() <= logged.get(metric.cells.table, set()), metric.name
            for source in metric.sources or ():
                assert source in logged, (metric.name, source)


def scanned_by_writes(plan: dict, found: set | None = None, writing: str = "") -> set:
    """The facts' and digests' tables that a plan's deletes and updates scan whole to find the rows they write (a
    Seq Scan of the table under a ModifyTable of that table)."""
    found = set() if found is None else found
    if plan.get("Node Type") == "ModifyTable" and plan.get("Operation") in ("Update", "Delete"):
        writing = plan["Relation Name"] if plan["Relation Name"] in ("rollups_rollupfact", "rollups_factdigest") else ""
    elif plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == writing:
        found.add(writing)
    for child in plan.get("Plans", []):
        scanned_by_writes(child, found, writing)
    return found


def test_the_writes_find_their_rows_by_address_whatever_the_estimates(standards, tenant_a, tenant_b, persona):
    """With many facts and digests stored, a write never scans them all to find the rows it changes: the generic
    plans are made once, and such a scan would grow with every tenant (the planner chose it for the facts a whole
    computation deletes, and for the digests it updates)."""
    lived_in(tenant_a, persona("alice"), 3, 100)
    lived_in(tenant_b, persona("bob"), 2, 300)
    engine.recompute(items(tenant_a, tenant_b))
    with connection.cursor() as cur:  # other tenants' facts and digests (rolled back with the test)
        cur.execute(
            "INSERT INTO public.rollups_rollupfact (tenant_id, period_kind, period_start, metric, dims_key, value,"
            " rows, computed_at) SELECT %s, 'month', DATE '2000-01-01', 'test.bulk',"
            " '{\"n\": \"' || g || '\"}', 1, 1, now() FROM generate_series(1, 20000) g",
            [tenant_b.pk],
        )
        cur.execute(
            "INSERT INTO public.rollups_factdigest (tenant_id, period_kind, period_start, metric, digest, cells,"
            " verified_at) SELECT %s, 'month', DATE '2000-01-01', 'test.bulk' || g, 0, 0, now()"
            " FROM generate_series(1, 5000) g",
            [tenant_b.pk],
        )
    kinds, firsts, lasts = zip(*[(kind, *engine.period_bounds(kind, start)) for kind, start in PERIODS], strict=True)
    args = [engine._array(kinds, "text"), engine._array(firsts, "date"), engine._array(lasts, "date")]
    args.append(engine.lit(TODAY))
    tenants = engine._array([tenant_a.schema_name, tenant_b.schema_name], "text")
    statements = {
        "tenant": (engine._tenant_statement(tenant_a, metrics_for(tenant_a)), args),
        "changes": (engine._changes_statement(), ["500", engine.lit(TODAY)]),
        "changes_asked": (engine._changes_statement(asked=True), [tenants, engine.lit(TODAY)]),
        "fold": (engine.FOLD, [tenants]),
    }
    with connection.cursor() as cur:
        for name, (sql, values) in statements.items():
            cur.execute(f"PREPARE test_{name} AS {sql}")
            cur.execute(engine.SESSION_SETTINGS)
            cur.execute(f"EXPLAIN (FORMAT JSON) EXECUTE test_{name}({', '.join(values)})")
            plan = cur.fetchone()[0][0]["Plan"]
            cur.execute(f"DEALLOCATE test_{name}")
            assert scanned_by_writes(plan) == set(), name


def scans_of(plan: dict, relation: str, found: list | None = None) -> list[str]:
    """The kinds of the plan's scans of a table (Seq Scan, Index Scan, …)."""
    found = [] if found is None else found
    if plan.get("Relation Name") == relation and "Scan" in plan.get("Node Type", ""):
        found.append(plan["Node Type"])
    for child in plan.get("Plans", []):
        scans_of(child, relation, found)
    return found


def test_the_figures_are_read_by_the_primary_key(tenant_a, tenant_b):
    """The facts have one index, their primary key (scope, tenant, cell): the reads of a metric for a period, over
    every tenant or one, a year of a snapshot (its tenants' latest months) and a trend of months, find their facts by
    the scope, never by reading every tenant's facts."""
    year = date(TODAY.year, 1, 1)
    with connection.cursor() as cur:  # rolled back with the test
        for tenant, metric, month, n in (
            (tenant_a, "test.bulk", MONTH, 20000),
            (tenant_b, "test.bulk", MONTH, 20000),
            (tenant_b, "dossiers.count", MONTH, 5),
            (tenant_b, "dossiers.count", EARLIER, 3),
        ):
            cur.execute(
                "INSERT INTO public.rollups_rollupfact (tenant_id, period_kind, period_start, metric, dims_key, value,"
                " rows, computed_at) SELECT %s, 'month', %s, %s, '{\"n\": \"' || g || '\"}', 1, 1, now()"
                " FROM generate_series(1, %s) g",
                [tenant.pk, month, metric, n],
            )
        cur.execute("ANALYZE public.rollups_rollupfact")
    reads = {
        "month": (services.facts_for("dossiers.count", "month", MONTH), 5),
        "one tenant": (services.facts_for("dossiers.count", "month", MONTH).filter(tenant_id=tenant_b.pk), 5),
        "snapshot's year": (services.facts_for("dossiers.count", "year", year), 5),
        "trend": (
            RollupFact.objects.filter(rollups_models.in_scopes(["dossiers.count"], "month", [EARLIER, MONTH])),
            8,
        ),
    }

    def seq_scans():  # of the facts, in this transaction
        with connection.cursor() as cur:
            cur.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'rollups_rollupfact'")
            return cur.fetchone()[0]

    scanned = seq_scans()
    for name, (queryset, count) in reads.items():
        plan = json.loads(queryset.explain(format="json"))[0]["Plan"]
        assert scans_of(plan, "rollups_rollupfact"), name
        assert "Seq Scan" not in scans_of(plan, "rollups_rollupfact"), name
        assert queryset.count() == count, name
        assert not queryset.filter(tenant_id=tenant_a.pk).exists(), name  # tenant a has no such facts
    # Also the snapshot's latest months, found before the year's query is made (services.LATEST_MONTHS).
    assert services.facts_for("dossiers.count", "year", year).count() == 5
    assert seq_scans() == scanned
    assert services.facts_for("test.bulk", "month", MONTH).filter(tenant_id=tenant_b.pk).count() == 20000
