"""Rollups through real Celery workers, on two tenants: a batch run twice, redelivered or run concurrently leaves
the same facts; a change in one tenant reaches the municipal figures through its logged change and the dispatcher
without touching the other tenant; and a worker killed with SIGKILL in the middle of a rollup commits nothing
partial, and the computation is completed exactly afterwards (redelivery or a later dispatch).

Every row is written through `committed` (the workers run on their own connections) and removed afterwards; the
workers this module starts itself run in their own process group and are always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django_tenants.utils import tenant_context

from core.plugins import metrics_for
from rollups import services
from rollups.models import Change, DirtyPeriod, RollupFact, RollupRun
from rollups.tasks import compute_batch, dispatch
from tenants.models import PluginActivation, Tenant
from tests.rollup_oracle import counted
from worker import app

pytestmark = pytest.mark.worker
TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent
(MONTH_KIND, MONTH), (YEAR_KIND, YEAR) = services.current_periods()
THINGS = {"tenant_a": 3, "tenant_b": 2}
MEMBERS = {"tenant_a": {"tenant_admin": 1, "station_staff": 1}, "tenant_b": {"tenant_admin": 1}}


# ------------------------------------------------------------------------------------------------ helpers
def wait_until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def facts(tenant, kind: str | None = None) -> dict:
    """The tenant's facts: (kind, start, metric, dims) → (id, value, computed_at)."""
    rows = RollupFact.objects.filter(tenant_id=tenant.pk)
    if kind:
        rows = rows.filter(period_kind=kind)
    return {(f.period_kind, f.period_start, f.metric, f.dims_key): (f.pk, f.value, f.computed_at) for f in rows}


def ids_and_values(snapshot: dict) -> dict:
    return {key: (pk, value) for key, (pk, value, _at) in snapshot.items()}


def values(snapshot: dict) -> dict:
    return {key: value for key, (_pk, value, _at) in snapshot.items()}


def expected(tenant, kind: str, start) -> dict:
    """The figures counted in the test from the tenant's own rows with plain SQL (tests.rollup_oracle), for the
    metrics active on it (fresh tenant: no memoised plugin list); the metrics' own Python definitions must agree.
    Snapshots (the state of today) are kept for the month only."""
    fresh = Tenant.objects.get(pk=tenant.pk)
    start = services.period_bounds(kind, start)[0]
    names = {m.name for m in metrics_for(fresh)}
    want = {
        (kind, start, metric, dims): value
        for (metric, dims), value in counted(tenant, kind, start, snapshot=kind == MONTH_KIND, metrics=names).items()
    }
    assert python_expected(tenant, kind, start) == want, (tenant.schema_name, kind, start)
    return want


def python_expected(tenant, kind: str, start) -> dict:
    """The figures computed by each metric's Python definition (``Metric.compute``) from the tenant's rows."""
    fresh = Tenant.objects.get(pk=tenant.pk)
    start = services.period_bounds(kind, start)[0]
    out = {}
    with tenant_context(fresh):
        for metric in metrics_for(fresh):
            if metric.name in services.snapshot_metrics() and kind != MONTH_KIND:
                continue
            for dims, value in metric.compute(fresh, services.period_bounds(kind, start)):
                out[(kind, start, metric.name, services.dims_key(dims))] = Decimal(value or 0)
    connection.set_schema_to_public()
    return out


def by_metric(snapshot: dict, metric: str) -> dict:
    return {key[3]: value for key, (_pk, value, _at) in snapshot.items() if key[2] == metric}


def runs(tenant, **filters) -> list[RollupRun]:
    return list(RollupRun.objects.filter(tenant_id=tenant.pk, **filters).order_by("started_at", "pk"))


def item(tenant, kind: str, start) -> list:
    return [tenant.schema_name, kind, start.isoformat()]


def add_things(committed, tenant, count: int, prefix: str = "thing"):
    table = f'"{tenant.schema_name}".dummy_plugin_thing'
    for i in range(count):
        committed(f"INSERT INTO {table} (name, amount) VALUES (%s, 0)", [f"{prefix}-{i}"])


@pytest.fixture
def world(no_rollup_state, tenant_a, tenant_b):  # committed first: its clean-ups run after the test's rollback
    """No rollup state, the dummy plugin active on both tenants (its metric counts rows of the tenant's own schema)
    and a few of its rows: 3 in tenant A, 2 in tenant B. The other tenants count as computed, so that the
    dispatcher leaves them alone."""
    committed = no_rollup_state
    for kind, start in services.current_periods():
        committed(
            "INSERT INTO public.rollups_computedperiod (tenant_id, period_kind, period_start, period_end, computed_at)"
            " SELECT id, %s, %s, %s, now() FROM public.tenants_tenant WHERE id NOT IN (%s, %s)",
            [kind, start, services.period_bounds(kind, start)[1], tenant_a.pk, tenant_b.pk],
        )
    for key, tenant in (("tenant_a", tenant_a), ("tenant_b", tenant_b)):
        activation = PluginActivation._meta.db_table
        committed(
            f"INSERT INTO public.{activation} (tenant_id, plugin, is_active, config, changed_at) "
            "VALUES (%s, 'dummy', true, '{}', now())",
            [tenant.pk],
            undo_with=(f"DELETE FROM public.{activation} WHERE tenant_id = %s AND plugin = 'dummy'", [tenant.pk]),
        )
        table = f'"{tenant.schema_name}".dummy_plugin_thing'
        committed("SELECT 1", undo_with=(f"DELETE FROM {table}", []))
        add_things(committed, tenant, THINGS[key], prefix=key)
    committed("DELETE FROM public.rollups_change")  # the first whole computation holds these rows
    # Whatever happens, no transaction of ours outlives the test.
    committed("SELECT 1", undo_with=("ROLLBACK", []))
    return committed


def assert_exact(tenant, key: str, things: int, kinds=((MONTH_KIND, MONTH), (YEAR_KIND, YEAR))):
    """The tenant's facts equal an in-process computation from its own rows, and the figures we know."""
    got = {k: v for k, v in facts(tenant).items() if (k[0], k[1]) in set(kinds)}
    want: dict = {}
    for kind, start in kinds:
        want.update(expected(tenant, kind, start))
    assert values(got) == want
    for kind, _start in kinds:
        mine = facts(tenant, kind)
        assert by_metric(mine, "dummy.things") == {"{}": things}
        assert {k.split('"')[3]: v for k, v in by_metric(mine, "core.members").items()} == MEMBERS[key]


# ------------------------------------------------------------------------------------- a worker of our own
@contextlib.contextmanager
def own_worker(queue: str, log_file: Path, pool: str = "prefork", concurrency: int = 1):
    """`celery -A worker worker` on `queue` (the same way as the session worker), in its own process group so that
    it can be killed whole; always stopped on the way out."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "BANGFU_DB_NAME": connection.settings_dict["NAME"],
        "BANGFU_CELERY_QUEUE": queue,
        "BANGFU_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }
    hostname = f"{queue}-{log_file.stem}@%h"
    cmd = [
        sys.executable, "-m", "celery", "-A", "worker", "worker", "-l", "info", "-c", str(concurrency), "-P", pool,
        "-Q", queue, "-n", hostname, "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log_file = log_file
    try:
        deadline = time.monotonic() + TIMEOUT
        while not app.control.ping(timeout=0.5, destination=[hostname.replace("%h", os.uname().nodename)]):
            if proc.poll() is not None:
                pytest.fail(f"the worker exited early:\n{log_file.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not answer within {TIMEOUT} s:\n{log_file.read_text()}")
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(20)
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its group (pool children)
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def waiting_on_lock(committed) -> list[int]:
    """Backends of this database waiting for a lock on rollups_computedperiod, found by the lock itself (pg_locks is
    read afresh every time, even inside the transaction holding it), not by the text of their query: a run sends
    many statements at once, and pg_stat_activity cuts the text short."""
    rows = committed(
        "SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'public.rollups_computedperiod'::regclass"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return [pid for (pid,) in rows]


def hold_the_record_of_computed_periods(committed):
    """Open a transaction holding a lock that a whole computation meets at its very end, after writing its facts
    (recording the periods it computed): the run waits there, mid-transaction, until `release(committed)`."""
    committed("BEGIN")
    committed("LOCK TABLE public.rollups_computedperiod IN EXCLUSIVE MODE")


def release(committed):
    committed("COMMIT")


def backend_alive(committed, pid: int) -> bool:
    return bool(committed("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]))


def forget_unacked(needle: str):
    """Drop the messages (found by a task id or a quoted queue name of ours) that a killed worker had taken from
    Redis' unacknowledged set: Redis would redeliver them only after the visibility timeout, an hour, to a queue
    nobody listens to any more."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        client = channel.client
        for tag, payload in client.hscan_iter(channel.unacked_key):
            if needle.encode() in payload:
                client.hdel(channel.unacked_key, tag)
                client.zrem(channel.unacked_index_key, tag)


# -------------------------------------------------------------------------------------------------- tests
def test_a_batch_run_twice_redelivered_or_concurrent_leaves_the_same_facts(
    world, celery_worker_process, tenant_a, tenant_b, tmp_path
):
    batch = [item(t, kind, start) for t in (tenant_a, tenant_b) for kind, start in services.current_periods()]
    assert compute_batch.delay(batch).get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    first = {t.pk: facts(t) for t in (tenant_a, tenant_b)}
    assert first[tenant_a.pk] and first[tenant_b.pk]

    # Sent again (a repeated run, or the same message delivered twice).
    assert compute_batch.delay(batch).get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    # Twice more, both sent before either is awaited (the session worker has one pool process, so they queue up;
    # runs that really overlap on the advisory lock are in the SIGKILL test below).
    pending = [compute_batch.delay(batch), compute_batch.delay(batch)]
    assert [r.get(timeout=TIMEOUT) for r in pending] == [{"done": 4, "skipped": 0, "failed": 0}] * 2
    # Really at once: a worker of two pool processes takes both; the first to lock the tenants is held mid-run
    # (at the record of computed periods, after writing its facts) while the other runs and, finding the tenants'
    # locks taken, leaves them alone — an outcome only an overlap gives. Then the held run completes.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-both"
    hold_the_record_of_computed_periods(world)
    locked = True
    try:
        with own_worker(queue, tmp_path / "both.log", concurrency=2):
            both = [compute_batch.apply_async(args=[batch], queue=queue) for _ in range(2)]
            wait_until(lambda: waiting_on_lock(world), "one run to be held mid-transaction")
            wait_until(lambda: any(r.ready() for r in both), "the other run to finish while the first is held")
            (early,) = [r for r in both if r.ready()]
            assert early.get(timeout=TIMEOUT) == {"done": 0, "skipped": 4, "failed": 0}
            (held,) = [r for r in both if r is not early]
            assert not held.ready() and waiting_on_lock(world)  # still held: the two overlapped
            release(world)
            locked = False
            assert held.get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    finally:
        if locked:
            release(world)
        forget_unacked(f'"{queue}"')

    for tenant, key in ((tenant_a, "tenant_a"), (tenant_b, "tenant_b")):
        assert ids_and_values(facts(tenant)) == ids_and_values(first[tenant.pk])  # same rows, same ids, same values
        assert_exact(tenant, key, THINGS[key])
        for kind, start in services.current_periods():
            done = runs(tenant, period_kind=kind, period_start=start)
            # 2 in turn, 2 queued, and of the 2 at once the one that ran (the skipped run leaves no record)
            assert [(r.status, r.trigger, r.facts) for r in done] == [("ok", "dirty", len(facts(tenant, kind)))] * 5
    assert not DirtyPeriod.objects.filter(tenant_id__in=[tenant_a.pk, tenant_b.pk]).exists()


def test_a_change_in_one_tenant_reaches_the_figures_through_the_dispatcher_only_for_it(
    world, celery_worker_process, tenant_a, tenant_b, persona
):
    batch = [item(t, kind, start) for t in (tenant_a, tenant_b) for kind, start in services.current_periods()]
    assert compute_batch.delay(batch).get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    before_a, before_b = facts(tenant_a), facts(tenant_b)
    runs_a, runs_b = len(runs(tenant_a)), runs(tenant_b)

    # A committed change in tenant A's own schema (raw SQL: only the trigger sees it), and a dossier.
    add_things(world, tenant_a, 2, prefix="new")
    dossier = (
        f'INSERT INTO "{tenant_a.schema_name}".dossiers_dossier (status, model_worker, housing, medical_insurance, '
        "zero_employment, main_cause, secondary_causes, accident_note, bank_name, bank_account_encrypted, "
        "bank_account_last4, household_size, monthly_household_income, per_capita_income, standard_year, "
        "standard_amount, eligibility_reasons, tier, created_at, updated_at, filed_by_id) VALUES ('draft', '', 'own', "
        "'employee', false, 'illness', '{}', '', '', '', '', 1, 1000, 1000, 2026, 450, '[]', 'none', now(), now(), %s)"
    )
    world(dossier, [persona("alice").pk], undo_with=(f'DELETE FROM "{tenant_a.schema_name}".dossiers_dossier', []))
    assert dispatch.delay().get(timeout=TIMEOUT) == {"changes": 1, "batches": 0}  # tenant A's changes, nothing else
    wait_until(lambda: RollupRun.objects.filter(trigger="changes").count() == 1, "the changes to be applied")
    wait_until(lambda: not Change.objects.exists(), "the change log to be consumed")

    after_a = facts(tenant_a)
    assert_exact(tenant_a, "tenant_a", THINGS["tenant_a"] + 2)
    changed = {key for key in after_a if after_a[key][1] != before_a.get(key, (None, None))[1]}
    assert {key[2] for key in changed} == {"dummy.things", "dossiers.count"}  # only the figures that changed...
    assert all(key in before_a for key in changed if key[2] == "dummy.things")  # ...in place
    assert by_metric(facts(tenant_a, MONTH_KIND), "dossiers.count") == {
        '{"cause": "illness", "status": "draft", "tier": "none", "unit": ""}': 1
    }
    # Tenant B: not recomputed at all (same rows, same computation time, no new run) and still exact.
    assert facts(tenant_b) == before_b
    assert runs(tenant_b) == runs_b
    assert_exact(tenant_b, "tenant_b", THINGS["tenant_b"])
    assert len(runs(tenant_a)) == runs_a  # no whole computation of tenant A...
    # ...one run that applied the changes, counting the cells it changed one by one (the plugin's figure is a query
    # metric: computed again whole, not counted there).
    applied = RollupRun.objects.get(trigger="changes")
    assert applied.tenant_id is None and applied.status == "ok"
    assert applied.facts == len([key for key in changed if key[2] == "dossiers.count"]) == 1


def test_a_worker_killed_mid_rollup_commits_nothing_and_a_later_dispatch_completes_it(
    world, celery_worker_process, tenant_a, tenant_b, tmp_path
):
    """SIGKILL of the whole worker (main process and pool): nothing is redelivered before Redis' visibility
    timeout, so the dirty mark is what brings the period back — once the dispatcher's REDISPATCH_AFTER is over."""
    batch = [item(t, kind, start) for t in (tenant_a, tenant_b) for kind, start in services.current_periods()]
    assert compute_batch.delay(batch).get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    before_a, before_b, runs_b = facts(tenant_a), facts(tenant_b), runs(tenant_b)

    add_things(world, tenant_a, 4, prefix="killed")
    world("DELETE FROM public.rollups_change")  # here the dirty mark, not the change log, brings the change
    world(
        "INSERT INTO public.rollups_dirtyperiod (tenant_id, period_kind, period_start, marked_at)"
        " VALUES (%s, %s, %s, now())",
        [tenant_a.pk, MONTH_KIND, MONTH],
    )
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-kill"
    hold_the_record_of_computed_periods(world)
    locked = True
    sent = None
    try:
        with own_worker(queue, tmp_path / "first.log") as first:
            assert dispatch.apply_async(queue=queue).get(timeout=TIMEOUT) == {"changes": 0, "batches": 1}
            sent = wait_until(
                lambda: RollupRun.objects.filter(tenant_id=tenant_a.pk, status="running").first(), "the rollup to start"
            )
            backend = wait_until(lambda: waiting_on_lock(world), "the rollup to wait on the lock")[0]
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(TIMEOUT)
        release(world)
        locked = False
        # The killed worker's transaction dies with its connection: it never commits a fact.
        wait_until(lambda: not backend_alive(world, backend), "the killed worker's backend to end")
        assert facts(tenant_a) == before_a
        assert DirtyPeriod.objects.filter(tenant_id=tenant_a.pk, period_kind=MONTH_KIND).exists()
        assert RollupRun.objects.get(pk=sent.pk).status == "running"  # left as it was: the run never finished

        with own_worker(queue, tmp_path / "second.log"):
            # Sent less than REDISPATCH_AFTER ago: the dispatcher does not send it again yet...
            assert dispatch.apply_async(queue=queue).get(timeout=TIMEOUT) == {"changes": 0, "batches": 0}
            # ...and does once REDISPATCH_AFTER is over.
            world(
                "UPDATE public.rollups_dirtyperiod SET dispatched_at = dispatched_at - %s WHERE tenant_id = %s",
                [services.REDISPATCH_AFTER, tenant_a.pk],
            )
            assert dispatch.apply_async(queue=queue).get(timeout=TIMEOUT) == {"changes": 0, "batches": 1}
            wait_until(
                lambda: (
                    not DirtyPeriod.objects.filter(tenant_id=tenant_a.pk).exists()
                    and RollupRun.objects.filter(tenant_id=tenant_a.pk, period_kind=MONTH_KIND, status="ok").count()
                    == 2
                ),
                "the period to be computed again",
            )
    finally:
        if locked:
            release(world)
        forget_unacked(f'"{queue}"')  # the message the killed worker had taken

    assert_exact(tenant_a, "tenant_a", THINGS["tenant_a"] + 4, kinds=[(MONTH_KIND, MONTH)])
    year_a = {k: v for k, v in facts(tenant_a).items() if k[0] == YEAR_KIND}
    assert year_a == {k: v for k, v in before_a.items() if k[0] == YEAR_KIND}  # not marked, not touched
    assert facts(tenant_b) == before_b
    assert runs(tenant_b) == runs_b


def test_a_pool_process_killed_mid_rollup_is_redelivered_and_completed_exactly(
    world, celery_worker_process, tenant_a, tenant_b, tmp_path
):
    """SIGKILL of the process running the task: `acks_late` + `reject_on_worker_lost` put the message back at once.
    The killed run's database session lingers (it waits on a lock and still holds the tenant), so the redelivered
    run leaves the tenant for the next dispatch instead of waiting; the killed transaction commits nothing and the
    next dispatch computes the period exactly."""
    batch = [item(t, kind, start) for t in (tenant_a, tenant_b) for kind, start in services.current_periods()]
    assert compute_batch.delay(batch).get(timeout=TIMEOUT) == {"done": 4, "skipped": 0, "failed": 0}
    before_a, before_b, runs_b = facts(tenant_a), facts(tenant_b), runs(tenant_b)

    add_things(world, tenant_a, 5, prefix="redelivered")
    world("DELETE FROM public.rollups_change")  # here the dirty mark, not the change log, brings the change
    world(
        "INSERT INTO public.rollups_dirtyperiod (tenant_id, period_kind, period_start, marked_at)"
        " VALUES (%s, %s, %s, now())",
        [tenant_a.pk, MONTH_KIND, MONTH],
    )
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-lost"
    hold_the_record_of_computed_periods(world)
    locked = True
    result = None
    try:
        with own_worker(queue, tmp_path / "worker.log") as proc:
            result = compute_batch.apply_async(args=[[item(tenant_a, MONTH_KIND, MONTH)]], queue=queue)
            killed_backend = wait_until(lambda: waiting_on_lock(world), "the rollup to wait on the lock")[0]
            (child,) = children(proc.pid)
            os.kill(child, signal.SIGKILL)
            # Redelivered to a new pool process, which finds the tenant still held by the killed run's session.
            assert result.get(timeout=TIMEOUT) == {"done": 0, "skipped": 1, "failed": 0}
            assert facts(tenant_a) == before_a  # nothing partial
            assert DirtyPeriod.objects.filter(tenant_id=tenant_a.pk, period_kind=MONTH_KIND).exists()
            release(world)
            locked = False
            wait_until(lambda: not backend_alive(world, killed_backend), "the killed worker's backend to end")
            assert facts(tenant_a) == before_a  # its transaction died with it
            assert dispatch.apply_async(queue=queue).get(timeout=TIMEOUT) == {"changes": 0, "batches": 1}
            wait_until(lambda: not DirtyPeriod.objects.filter(tenant_id=tenant_a.pk).exists(), "the next dispatch")
    finally:
        if locked:
            release(world)
        if result is not None:
            forget_unacked(result.id)

    month_runs = runs(tenant_a, period_kind=MONTH_KIND)
    assert sorted(r.status for r in month_runs) == ["ok", "ok", "running"]  # the first, the killed one, the redone
    assert_exact(tenant_a, "tenant_a", THINGS["tenant_a"] + 5, kinds=[(MONTH_KIND, MONTH)])
    assert facts(tenant_b) == before_b
    assert runs(tenant_b) == runs_b


# ------------------------------------------------------------------------- the writer's lock, really held
def in_thread(fn):
    """Run `fn` on a connection of its own (a thread's), outside the test's transaction, so that what it does
    commits and the locks it takes are released — as in a worker; re-raise what it raised."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 — re-raised below
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), "the engine did not finish"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_query_metrics_of_a_tenant_whose_lock_a_writer_holds_are_left_to_the_next_dispatch(
    world, tenant_a, tenant_b, monkeypatch
):
    """Between the changes' commit and the query metrics' own transaction, a writer's transaction on a second real
    connection takes tenant A's change lock (the real advisory lock, not a stand-in): the engine's real `_lock`
    finds it taken, leaves A's query metrics as they were and marks A's current periods dirty; B is untouched."""
    from core.db import CHANGE_LOCK
    from rollups import engine

    periods = services.current_periods()
    batch = [(t.schema_name, kind, start) for t in (tenant_a, tenant_b) for kind, start in periods]
    assert in_thread(lambda: engine.recompute(batch))["done"] == 4
    before_b = facts(tenant_b)
    add_things(world, tenant_a, 2, prefix="busy")  # committed: the trigger logs the change

    real_lock, held = engine._lock, []

    def a_writer_takes_the_lock_first(schemas):
        world("BEGIN")
        world("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [CHANGE_LOCK, tenant_a.schema_name])
        held.append(tenant_a.schema_name)
        return real_lock(schemas)

    monkeypatch.setattr(engine, "_lock", a_writer_takes_the_lock_first)
    try:
        result = in_thread(lambda: engine.apply_changes([tenant_a.schema_name, tenant_b.schema_name]))
    finally:
        if held:
            world("COMMIT")  # the writer's transaction ends: the lock is free again
        monkeypatch.undo()
    assert held == [tenant_a.schema_name]
    assert result == {"tenants": 1, "skipped": 0}
    # The plugin's figure (a compute-only metric, computed again whole after changes) was left as it was...
    for kind, _start in periods:
        assert by_metric(facts(tenant_a, kind), "dummy.things") == {"{}": THINGS["tenant_a"]}
    # ...and A's current periods are marked dirty for the next dispatch; B's are not, and B's facts did not move.
    marked = set(DirtyPeriod.objects.values_list("tenant_id", "period_kind", "period_start"))
    assert marked == {(tenant_a.pk, kind, start) for kind, start in periods}
    assert facts(tenant_b) == before_b
    # With the lock free, the next computation brings A's figures to the counted ones.
    in_thread(lambda: engine.recompute([(tenant_a.schema_name, kind, start) for kind, start in periods]))
    assert_exact(tenant_a, "tenant_a", THINGS["tenant_a"] + 2)
