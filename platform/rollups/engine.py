"""The rollup engine: every tenant's figures computed by set-based SQL, then kept up to date from a change log.

Data flow
---------
Tenant schemas ──(triggers, ``core.db.LogChanges``)──▶ ``public.rollups_change`` ──▶ ``apply_changes``  ─┐
Tenant schemas ──────────────────────────────────────────────────────────────────▶ ``recompute``      ─┴▶ facts

- **Whole computation** (``recompute(items)``, items = (schema, period kind, period start)): for a batch of
  tenants, one statement per tenant, all sent in one round trip. Each metric's set-based form
  (``core.plugins.Metric``: ``cells`` or ``query``) is a branch of a ``UNION ALL`` reading the tenant's table with
  schema-qualified names, all the tenant's periods in one scan (a row joins the periods it counts in; a snapshot
  is grouped once and given the current month). The computed cells of each (tenant, period, metric) are hashed
  into a digest (``FactDigest``); where it equals the stored cells' digest (and that was verified cell by cell
  within ``DIGEST_TRUSTED_FOR``), the stored cells are these already and are not read. Elsewhere the result is
  compared with the stored facts (a full join) and only what differs is written: new cells inserted, changed ones
  updated, vanished ones deleted, the digest set. The statements are prepared once per database session and planned once
  (``_Prepared``, up to a number per session): a worker keeps its session, so later batches only run them. Metrics
  with only a Python ``compute`` run per tenant in its schema and join the same transaction. The periods computed
  are recorded (``ComputedPeriod``).
- **Changes** (``apply_changes()``): the triggers log, for every insert, update or delete of a watched table, the
  metric columns of the old and the new row. One round trip, one transaction, locks the tenants with logged
  changes (up to a batch), consumes their log and turns it into differences of the ``cells`` metrics — the old row
  is -1 (and minus its amounts) in the cells it counted in, the new row +1 — for every computed period the row
  counts in (a snapshot: the current month); each difference finds its cell by the primary key (scope, tenant,
  cell: ``scope_sql``, ``cell_sql``), which is then updated in place, deleted (no rows left) or inserted; what that
  does to the digests is logged (``DigestChange``: the old cells' hashes out, the new ones' in), for the tenant's
  next whole computation to fold in before it compares (``FOLD``); one run is recorded. The statement is made for the
  tables changed lately (``_changing_lately``); the changes of other tables it leaves in the log, and the statement
  for every table applies them at once. ``query`` metrics whose ``sources`` changed, and
  ``compute``-only metrics, are then computed whole again for the tenant's current periods. The work is
  proportional to the changes, not to the tenants' size.
- **Consistency.** Both take, per tenant, ``pg_try_advisory_xact_lock(CHANGE_LOCK, hashtext(schema))`` before they
  read; a writer's trigger holds the same lock in shared mode until it commits. So the engine reads the log and
  the tables only when no writer of that tenant is in flight, a whole computation consumes the log it already
  includes, and two runs for one tenant never overlap: a tenant whose lock is taken is skipped and left for the
  next dispatch (nothing waits, nothing deadlocks). Everything a run writes is one transaction: a run killed
  half-way leaves nothing, and a repeated or redelivered one finds nothing to change. (The recomputation of query
  metrics after changes is a transaction of its own; a tenant busy by then is marked dirty instead.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from core.db import CHANGE_LOCK
from core.plugins import Cells, Metric, installed_metrics, metrics_for, prefetch_active_plugins
from rollups.models import ComputedPeriod, DirtyPeriod, RollupRun
from rollups.periods import current_periods, dims_key, mark_dirty, period_bounds  # noqa: F401 (its home before)

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------- SQL literals
def lit(value) -> str:
    """An SQL literal of a value the engine itself produced (text, date, number)."""
    if value is None:
        return "NULL"
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def key_sql(dims: list[tuple[str, str]], numbers: frozenset[str] = frozenset()) -> str:
    """SQL building the canonical dims key (``rollups.services.dims_key``: JSON, sorted keys, text values). The
    dimensions named in ``numbers`` are integers, whose text needs no JSON escaping (the cheaper form)."""
    if not dims:
        return "'{}'"
    parts, quote = [], '"'
    for i, (name, expr) in enumerate(sorted(dims)):
        prefix = ("{" if i == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": "
        if name in numbers:
            parts.append(f"{lit(prefix + quote)} || coalesce(({expr})::text, '') || {lit(quote)}")
        else:
            parts.append(f"{lit(prefix)} || to_json(coalesce(({expr})::text, ''))::text")
    return " || ".join(parts) + " || '}'"


def cell_hash(key: str, value: str, rows: str) -> str:
    """SQL of a cell's 64-bit hash for its ``FactDigest``: of its key, seeded with the hash of its value as stored
    (2 decimals) and of its rows (-1: none)."""
    return f"hashtextextended({key}, hash_numeric_extended(({value})::numeric(20, 2), coalesce({rows}, -1)))"


def scope_sql(alias: str) -> str:
    """SQL of a fact's scope: a 64-bit hash of its metric and period, the first column of the facts' primary key,
    which the database computes as it stores a fact (``RollupFact.scope``, the same expression)."""
    return f"hashtextextended({alias}.metric || '|' || {alias}.period_kind, {alias}.period_start - DATE '2000-01-01')"


def cell_sql(alias: str) -> str:
    """SQL of a fact's cell: a 64-bit hash of its key within its tenant (period, metric, dimensions), the last
    column of the facts' primary key (scope, tenant, cell), which the database computes as it stores a fact
    (``RollupFact.cell``, the same expression). The key's own columns are stored too and every lookup compares
    them: two keys of one tenant and scope with the same hash (one chance in four billion for a scope of 100,000
    cells) are refused by the primary key (an error, never a merged cell)."""
    return (
        f"hashtextextended({alias}.metric || '|' || {alias}.period_kind || '|' || {alias}.dims_key,"
        f" {alias}.period_start - DATE '2000-01-01')"
    )


@dataclass(frozen=True)
class Q:
    """What a ``query`` metric's SQL is given (see ``core.plugins.Metric``)."""

    periods: str
    today: str
    tz: str
    s: str = ""
    tenant_id: int = 0
    tenant_ids: str = ""


# ----------------------------------------------------------------------------------------- cells to SQL
_columns_cache: dict[str, dict[str, str]] = {}


def _column_types(table: str) -> dict[str, str]:
    """Column → SQL type of a tenant table, from its model."""
    if table not in _columns_cache:
        model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
        if model is None:
            raise LookupError(f"no model has the table {table}")
        _columns_cache[table] = {f.column: f.db_type(connection) for f in model._meta.concrete_fields}
    return _columns_cache[table]


def _is_timestamp(table: str, column: str) -> bool:
    return _column_types(table)[column].startswith("timestamp")


def _day(cells: Cells) -> str:
    """The day of a row (alias r) of a flow: its date, or the local day of its timestamp."""
    day = f"r.{qn(cells.date)}"
    if _is_timestamp(cells.table, cells.date):
        day = f"({day} AT TIME ZONE {lit(settings.TIME_ZONE)})::date"
    return day


def _in_period(cells: Cells, lo: str, hi: str) -> str:
    """When a row (alias r) counts in the period [lo, hi]."""
    if cells.date:
        return f"{_day(cells)} BETWEEN {lo} AND {hi}"
    if cells.as_of:
        opened, closed = (f"r.{qn(c)}" for c in cells.as_of)
        return f"{opened} <= {hi} AND ({closed} IS NULL OR {closed} > {hi})"
    return "TRUE"


def _where(cells: Cells) -> str:
    conditions = []
    for w in cells.where:
        if isinstance(w, str):
            conditions.append(f"r.{qn(w)}")
        else:
            column, op, value = w
            if op not in ("=", "<>"):
                raise ValueError(f"unsupported condition {w!r}")
            conditions.append(f"r.{qn(column)} {op} {lit(value)}")
    return " AND ".join(conditions) or "TRUE"


def _cells_sql(metric: Metric, *, source: str, periods: str, on: str, tenant: str, delta: bool) -> str:
    """One branch: the metric's cells from ``source`` (alias r) joined to ``periods`` (alias p, with period_kind,
    period_start, period_end). In ``delta`` mode r has a ``sign`` column and the result is differences."""
    cells = metric.cells
    dim_cols = [(name, f"d{i}", col) for i, (name, col) in enumerate(sorted(cells.dims.items()))]
    count = "sum(r.sign)" if delta else "count(*)"
    sums = {}  # sum column alias → column
    if cells.measures:
        sums = {col: f"v_{col}" for col in sorted(c for c in cells.measures.values() if c)}
    elif cells.value:
        sums[cells.value] = "v_value"
    inner = ", ".join(
        [
            f"{tenant} AS tenant_id",
            "p.period_kind",
            "p.period_start",
            *[f"r.{qn(col)} AS {alias}" for _n, alias, col in dim_cols],
            f"{count}::bigint AS n",
            *[f"coalesce(sum({'r.sign * ' if delta else ''}r.{qn(col)}), 0) AS {alias}" for col, alias in sums.items()],
        ]
    )
    group = ", ".join(["1", "p.period_kind", "p.period_start", *[f"r.{qn(col)}" for _n, _a, col in dim_cols]])
    having = ""
    if delta:
        nonzero = [f"{count} <> 0", *[f"sum(r.sign * r.{qn(col)}) <> 0" for col in sums]]
        having = " HAVING " + " OR ".join(nonzero)
    dims = [(name, f"g.{alias}") for name, alias, _c in dim_cols]
    types = _column_types(cells.table)
    numbers = frozenset(name for name, _a, col in dim_cols if types[col] in ("bigint", "integer", "smallint"))
    if cells.measures:
        values = ", ".join(
            f"({lit(name)}, {('g.' + sums[col]) if col else 'g.n::numeric'})"
            for name, col in sorted(cells.measures.items())
        )
        tail = f" CROSS JOIN LATERAL (VALUES {values}) AS m(measure, value)"
        dims.append(("measure", "m.measure"))
        value = "m.value"
    else:
        tail = ""
        value = f"g.{sums[cells.value]}" if cells.value else "g.n::numeric"
    in_period = _in_period(cells, "p.period_start", "p.period_end")
    if not delta and _is_snapshot(metric):
        # A snapshot is the same in every period it is kept for: grouped once, then given its periods.
        agg = [f"{tenant} AS tenant_id", *inner.split(", ")[3:]]
        group_once = ", ".join(["1", *[f"r.{qn(col)}" for _n, _a, col in dim_cols]])
        rows = (
            f"SELECT gg.*, p.period_kind, p.period_start FROM (SELECT {', '.join(agg)} FROM {source} r "
            f"WHERE {_where(cells)} GROUP BY {group_once}) gg JOIN {periods} p ON {on}"
        )
    else:
        rows = (
            f"SELECT {inner} FROM {source} r JOIN {periods} p ON {on} AND {in_period} "
            f"WHERE {_where(cells)} GROUP BY {group}{having}"
        )
    return (
        f"SELECT g.tenant_id::bigint AS tenant_id, g.period_kind::text AS period_kind, g.period_start, "
        f"{lit(metric.name)}::text AS metric, {key_sql(dims, numbers)} AS dims_key, g.n AS rows, "
        f"({value})::numeric AS value "
        f"FROM ({rows}) g{tail}"
    )


def _is_snapshot(metric: Metric) -> bool:
    """A cells metric without a date: the state of today, kept for the current month only (a year's figure is
    that of its latest month with figures, see ``rollups.services.period_filter``)."""
    return bool(metric.cells) and not (metric.cells.date or metric.cells.as_of)


def _current_month(today: str) -> str:
    return f"p.period_kind = 'month' AND p.period_start <= {today} AND p.period_end >= {today}"


# ------------------------------------------------------------------------------------ prepared statements
class _Prepared:
    """Server-side prepared statements of a database session: each generated statement is planned once per session
    and reused by every later run (``plan_cache_mode = force_generic_plan`` in the engine's transactions); a batch
    of a hundred tenants otherwise spends longer planning its statements than running them. The worker keeps its
    connections (``BANGFU_DB_CONN_MAX_AGE``), so its sessions keep their plans between tasks.

    A statement is prepared as it is first used, in a message of its own (see ``call``). A tenant's statement costs
    its session about 1.2 MB of server memory (the parse tree, the query and the plan, with the core's metrics), so
    a session keeps at most ``ROLLUP_PREPARED_STATEMENTS`` of them: the least recently used is deallocated (in the
    script that needs the room, after any use of it that comes earlier there). A tenant whose statement was evicted
    has it planned again the next time (a few milliseconds). The engine's own statements (``kept``: the change
    statements, the runs' start and end, the changes' run, the digests' fold), a dozen at most, are kept besides,
    never evicted: otherwise, with as many tenants as the bound, every batch would evict the statement it needs next
    and plan everything again."""

    def __init__(self):
        self.sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.generation = 0

    def call(self, sql: str, args: list[str], *, kept: bool = False) -> str:
        """SQL that executes ``sql`` (``$1``… placeholders) with the argument literals, preparing it if needed;
        ``kept``: one of the engine's own statements, kept besides the bounded ones."""
        raw = _db().connection
        session: tuple[OrderedDict[str, str], dict[str, str]] | None = self.sessions.get(raw)
        if session is None:
            # A new session, or one after a failure: whatever it still holds of ours goes (and is not counted).
            session = self.sessions[raw] = (OrderedDict(), {})
            held = self._held()
            if held:
                self._send("".join(f"DEALLOCATE {name};" for name in held))
        bounded, own = session
        known = own if kept else bounded
        name = known.get(sql)
        deallocate = ""
        if name is None:
            while not kept and len(known) >= max(1, settings.ROLLUP_PREPARED_STATEMENTS):
                _sql, evicted = known.popitem(last=False)
                deallocate += f"DEALLOCATE {evicted};\n"
            name = f"bangfu_rollup_{self.generation}_{hashlib.sha256(sql.encode()).hexdigest()[:16]}"
            # Prepared now, in a message of its own (a round trip, once per session): the server keeps a prepared
            # statement's whole message as its text and copies that text at every execution. Prepared in the script
            # of fifty tenants (half a megabyte), each tenant's execution copied the whole script: 5 ms of a 46 ms
            # batch, and 28 MB of the session's memory for 50 tenants.
            self._send(f"PREPARE {name} AS {sql}")
            known[sql] = name
        elif not kept:
            known.move_to_end(sql)
        return f"{deallocate}EXECUTE {name}({', '.join(args)});"

    def _send(self, sql: str) -> None:
        """Run statements of ours now, in a message of their own (after a failure, forget what this session holds)."""
        try:
            with connection.connection.cursor() as cur:
                cur.execute(sql)
        except Exception:
            self.forget()
            raise

    @staticmethod
    def _held() -> list[str]:
        with connection.connection.cursor() as cur:
            cur.execute(r"SELECT name FROM pg_prepared_statements WHERE name LIKE 'bangfu\_rollup\_%'")
            return [row[0] for row in cur.fetchall()]

    def evict(self):
        """Deallocate this session's bounded statements (the tenants'), keeping the engine's own: the state a session
        that keeps fewer plans than there are tenants is in at each whole computation (``bench/rollup`` times it)."""
        session = self.sessions.get(connection.connection)
        if session and session[0]:
            self._send("".join(f"DEALLOCATE {name};" for name in session[0].values()))
            session[0].clear()

    def forget(self):
        """After a failure: what this session holds is uncertain; later statements get new names, and the next call
        deallocates what the session still holds."""
        self.sessions.pop(connection.connection, None)
        self.generation += 1


prepared = _Prepared()


def _db():
    """The default database's connection, opened if needed, looked up once for what follows: each use of
    ``django.db.connection`` looks it up in a context-local store, which costs a microsecond or so, and several
    times that in a worker whose code has gone cold between two applies."""
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    return db


def _today() -> date:
    """Today in the server's time zone (``settings.TIME_ZONE``, the zone the engine's SQL gives days in too).
    ``timezone.localdate()`` first looks up a zone activated in this context, in a context-local store: about 50 µs
    of a 2 ms apply in ``bench/rollup``, the worker's code having gone cold since the last apply."""
    return datetime.now(timezone.get_default_timezone()).date()


def _execute(script: str, *, commit: bool = False) -> list[list[tuple]]:
    """Run statements in one round trip; returns the rows of each one that returns rows, in order. With ``commit``,
    and outside a transaction of the caller's, the statements are one transaction of their own, begun and committed
    in that same round trip (the engine's SQL names every table with its schema: no search path is set)."""
    db = _db()
    own = commit and not db.in_atomic_block
    results = []
    with db.connection.cursor() as cur:
        try:
            cur.execute(f"BEGIN;\n{script}\nCOMMIT;" if own else script)
            while True:
                if cur.description:
                    results.append(cur.fetchall())
                if not cur.nextset():
                    break
        except Exception:
            prepared.forget()
            if own:
                cur.execute("ROLLBACK")
            raise
    return results


def _array(values, sql_type: str) -> str:
    return f"ARRAY[{', '.join(lit(v) for v in values)}]::{sql_type}[]"


# ----------------------------------------------------------------------------------------- whole computation
@dataclass
class Unit:
    """Metrics of one tenant to compute whole for some periods."""

    tenant: object
    periods: list[tuple[str, date, date]]
    metrics: list[Metric]


# Parameters of a tenant's statement: $1 kinds, $2 first days, $3 last days, $4 today.
PERIODS = (
    "periods AS MATERIALIZED (SELECT v.*, least(v.period_end, $4::date) AS day"
    " FROM unnest($1::text[], $2::date[], $3::date[]) AS v(period_kind, period_start, period_end))"
)

# A digest (``FactDigest``) is trusted this long after the cells were last compared one by one: the nightly run finds
# every digest older than this and compares the cells again.
DIGEST_TRUSTED_FOR = "20 hours"

WRITE = (
    """
scope(tenant_id, period_kind, period_start, metric) AS ({scope}),
sums AS MATERIALIZED (
    SELECT c.tenant_id, c.period_kind, c.period_start, c.metric, bit_xor({hash}) AS digest, count(*) AS cells
    FROM computed c GROUP BY 1, 2, 3, 4
),
-- The (tenant, period, metric) whose stored cells may differ from the computed ones: no digest trusted, or another.
stale AS MATERIALIZED (
    SELECT s.tenant_id, s.period_kind, s.period_start, s.metric, coalesce(x.digest, 0) AS digest,
        coalesce(x.cells, 0) AS cells, g.ctid AS digest_row
    FROM scope s
    LEFT JOIN sums x ON x.tenant_id = s.tenant_id AND x.period_kind = s.period_kind
        AND x.period_start = s.period_start AND x.metric = s.metric
    LEFT JOIN public.rollups_factdigest g ON g.tenant_id = s.tenant_id AND g.period_kind = s.period_kind
        AND g.period_start = s.period_start AND g.metric = s.metric
    WHERE g.verified_at IS NULL OR g.verified_at <= now() - interval '{trusted}'
        OR g.digest <> coalesce(x.digest, 0) OR g.cells <> coalesce(x.cells, 0)
),
-- The stored cells of each stale (tenant, period, metric), by the primary key's (scope, tenant) (OFFSET 0: a lookup
-- per scope, whatever the estimates, never a scan of every tenant's facts).
existing AS MATERIALIZED (
    SELECT e.* FROM stale s CROSS JOIN LATERAL (
        SELECT e.ctid AS fact_row, e.tenant_id, e.period_kind::text AS period_kind, e.period_start,
            e.metric::text AS metric, e.dims_key::text AS dims_key, e.value, e.rows
        FROM public.rollups_rollupfact e WHERE e.scope = {scope_hash} AND e.tenant_id = s.tenant_id
            AND e.period_kind = s.period_kind AND e.period_start = s.period_start AND e.metric = s.metric
        OFFSET 0
    ) e
),
-- A full join (always a hash or merge join): what is new or changed, and what is gone.
diff AS MATERIALIZED (
    SELECT c.tenant_id, c.period_kind, c.period_start, c.metric, c.dims_key, c.value, c.rows, x.fact_row,
        c.metric IS NULL AS gone, x.fact_row IS NULL OR x.value <> c.value OR x.rows IS DISTINCT FROM c.rows AS changed
    FROM (SELECT c.* FROM computed c JOIN stale s ON c.tenant_id = s.tenant_id AND c.period_kind = s.period_kind
            AND c.period_start = s.period_start AND c.metric = s.metric) c
    FULL JOIN existing x ON c.tenant_id = x.tenant_id AND c.period_kind = x.period_kind
        AND c.period_start = x.period_start AND c.metric = x.metric AND c.dims_key = x.dims_key
),
-- Every stored cell of a stale scope was read (the tenant's lock keeps other writers out): a cell not found is new,
-- and inserted (a cell hashing like another of the tenant is refused by the primary key, see cell_sql).
inserted AS (
    INSERT INTO public.rollups_rollupfact
        (tenant_id, period_kind, period_start, metric, dims_key, value, rows, computed_at)
    SELECT d.tenant_id, d.period_kind, d.period_start, d.metric, d.dims_key, d.value, d.rows, now()
    FROM diff d WHERE NOT d.gone AND d.fact_row IS NULL
    RETURNING 1
),
-- The rows written in place are found by their address, whatever the estimates (``ctid = ANY``: TID lookups). A
-- join on the address alone may be planned as a hash join over a scan of every tenant's digests, or facts: the
-- nightly comparison at 200 tenants took 510 ms with it, 443 ms without.
rewritten AS (
    UPDATE public.rollups_rollupfact f SET value = d.value, rows = d.rows, computed_at = now()
    FROM diff d WHERE NOT d.gone AND d.changed AND f.ctid = d.fact_row
        AND f.ctid = ANY (ARRAY(SELECT fact_row FROM diff WHERE NOT gone AND changed AND fact_row IS NOT NULL))
    RETURNING 1
),
removed AS (
    DELETE FROM public.rollups_rollupfact f WHERE f.ctid = ANY (ARRAY(SELECT fact_row FROM diff WHERE gone))
    RETURNING 1
),
-- The compared cells are now the computed ones: so is their digest (updated in place where there is one).
digested AS (
    UPDATE public.rollups_factdigest g SET digest = s.digest, cells = s.cells, verified_at = now()
    FROM stale s WHERE g.ctid = s.digest_row
        AND g.ctid = ANY (ARRAY(SELECT digest_row FROM stale WHERE digest_row IS NOT NULL))
),
digest_added AS (
    INSERT INTO public.rollups_factdigest (tenant_id, period_kind, period_start, metric, digest, cells, verified_at)
    SELECT s.tenant_id, s.period_kind, s.period_start, s.metric, s.digest, s.cells, now() FROM stale s
    WHERE s.digest_row IS NULL
)
SELECT (SELECT count(*) FROM inserted) + (SELECT count(*) FROM rewritten) + (SELECT count(*) FROM removed)
""".replace("{hash}", cell_hash("c.dims_key", "c.value", "c.rows"))
    .replace("{trusted}", DIGEST_TRUSTED_FOR)
    .replace("{scope_hash}", scope_sql("s"))
)
COMPUTED = "computed(tenant_id, period_kind, period_start, metric, dims_key, rows, value) AS MATERIALIZED ({})"
NOTHING = "SELECT NULL::bigint, NULL::text, NULL::date, NULL::text, NULL::text, NULL::bigint, NULL::numeric WHERE FALSE"


def _query_branch(metric: Metric, q: Q) -> str:
    dims = [(d, f"q.{qn(d)}") for d in metric.dimensions]
    return (
        f"SELECT q.tenant_id::bigint, q.period_kind::text, q.period_start::date, {lit(metric.name)}::text, "
        f"{key_sql(dims)}, NULL::bigint, q.value::numeric FROM ({metric.query(q)}) q"
    )


_statements: dict[tuple, str] = {}


def _tenant_statement(tenant, metrics: list[Metric]) -> str:
    """One statement computing these SQL metrics of a tenant for the periods it is given, writing what differs
    (the text is kept: it depends only on the tenant and the metrics, which change only with a deployment)."""
    key = (tenant.pk, tenant.schema_name, tuple(m.name for m in metrics))
    if key not in _statements:
        if len(_statements) > 10_000:
            _statements.clear()
        _statements[key] = _build_tenant_statement(tenant, metrics)
    return _statements[key]


def _build_tenant_statement(tenant, metrics: list[Metric]) -> str:
    schema = qn(tenant.schema_name)
    current = _current_month("$4::date")
    branches = []
    for metric in metrics:
        if metric.cells:
            on = current if _is_snapshot(metric) else "TRUE"
            source = f"{schema}.{qn(metric.cells.table)}"
            branches.append(
                _cells_sql(metric, source=source, periods="periods", on=on, tenant=str(tenant.pk), delta=False)
            )
        else:
            q = Q("periods", "$4::date", lit(settings.TIME_ZONE), s=schema, tenant_id=tenant.pk,
                  tenant_ids=f"ARRAY[{tenant.pk}]::bigint[]")  # fmt: skip
            branches.append(_query_branch(metric, q))
    computed = "\nUNION ALL\n".join(f"({b})" for b in branches) or NOTHING
    names = ", ".join(f"({lit(m.name)}::text, {'true' if _is_snapshot(m) else 'false'})" for m in metrics)
    scope = (
        f"SELECT {tenant.pk}::bigint, p.period_kind, p.period_start, m.metric FROM periods p"
        f" CROSS JOIN (VALUES {names}) AS m(metric, snapshot) WHERE NOT m.snapshot OR ({current})"
    )
    return f"WITH {PERIODS},\n{COMPUTED.format(computed)},\n{WRITE.format(scope=scope)}"


def _python_statement(units: list[Unit]) -> str | None:
    """The facts of ``compute``-only metrics (plugins without a set-based form), computed in each tenant's schema."""
    facts, scope = [], []
    for unit in units:
        metrics = [m for m in unit.metrics if not (m.cells or m.query)]
        if not metrics:
            continue
        with tenant_context(unit.tenant):
            for metric in metrics:
                for kind, lo, hi in unit.periods:
                    scope.append(f"({unit.tenant.pk}::bigint, {lit(kind)}::text, {lit(lo)}, {lit(metric.name)}::text)")
                    for dims, value in metric.compute(unit.tenant, (lo, hi)):
                        facts.append(
                            {
                                "tenant_id": unit.tenant.pk,
                                "period_kind": kind,
                                "period_start": lo.isoformat(),
                                "metric": metric.name,
                                "dims_key": dims_key(dims),
                                "value": str(value or 0),
                            }
                        )
    if not scope:
        return None
    computed = (
        "SELECT x.tenant_id, x.period_kind, x.period_start, x.metric, x.dims_key, NULL::bigint, x.value "
        f"FROM jsonb_to_recordset({lit(json.dumps(facts, ensure_ascii=False))}::jsonb) AS x(tenant_id bigint, "
        "period_kind text, period_start date, metric text, dims_key text, value numeric)"
    )
    return f"WITH {COMPUTED.format(computed)},\n{WRITE.format(scope='VALUES ' + ', '.join(scope))};"


def _write_absolute(units: list[Unit], today: date, *, then: Callable[[], str] | None = None) -> None:
    """Compute the units whole and write what differs: one prepared statement per tenant, all sent at once (with
    ``then``, the statement it gives runs after them in the same round trip).

    The ``compute``-only metrics run first: a plugin's failure there comes before any statement is evicted
    (``_Prepared.call``), whose deallocation, in the script, would then never be sent."""
    python = _python_statement(units)
    script = []
    for unit in units:
        metrics = [m for m in unit.metrics if m.cells or m.query]
        if metrics and unit.periods:
            kinds, firsts, lasts = zip(*unit.periods, strict=True)
            args = [_array(kinds, "text"), _array(firsts, "date"), _array(lasts, "date"), lit(today)]
            script.append(prepared.call(_tenant_statement(unit.tenant, metrics), args))
    if python:
        script.append(python)
    if then:
        script.append(then())
    if script:
        _execute("\n".join(script))


# -------------------------------------------------------------------------------------------------- changes
# The tenants a change statement takes: those asked for ($1, schema names), or else (ANY_TENANTS) the active tenants
# with logged changes (up to $1, the first in schema order); each only if nobody holds its change lock (a writer in
# flight, another run): taken here, kept until the commit. The tenants with changes are read from the log
# (MATERIALIZED: once) and joined to the tenants as the planner sees fit, never looked up one by one: with a few
# hundred tenants it would scan them all for each (4 ms of an 18 ms apply at 200). Two statements, not one for both
# with the other's part skipped at run time: a plan's every part is set up at each execution, used or not.
ASKED_TENANTS = """
locked AS MATERIALIZED (
    SELECT w.s, w.id FROM (
        SELECT x.s, t.id FROM unnest($1::text[]) AS x(s) LEFT JOIN public.tenants_tenant t ON t.schema_name = x.s
    ) AS w(s, id)
    WHERE pg_try_advisory_xact_lock({lock}, hashtext(w.s))
),"""
ANY_TENANTS = """
logged AS MATERIALIZED (
    SELECT c.schema_name AS s, {other} AS other FROM public.rollups_change c GROUP BY 1
),
locked AS MATERIALIZED (
    SELECT w.s, w.id FROM (
        SELECT l.s, t.id FROM logged l JOIN public.tenants_tenant t ON t.schema_name = l.s AND t.is_active
        ORDER BY 1 LIMIT $1::integer
    ) AS w(s, id)
    WHERE pg_try_advisory_xact_lock({lock}, hashtext(w.s))
),"""

# $1: the tenants (above), $2: today.
APPLY_CHANGES = (
    """
WITH {tenants}
-- The locked tenants' ids by schema, and their current month's last day where that month is computed (the period of
-- the snapshots), by tenant id: two maps (jsonb objects) made once, in which each change finds its tenant and month by
-- a binary search of the keys. Never a join: the plan is made once, often just after a vacuum found the log empty,
-- and then each join was a nested loop, looking up the tenant and its month for each change (one apply at 200 read
-- every locked tenant again for each change: 5 ms of 20; at 50, the computed periods were read whole for each
-- tenant: 4 % of an apply). The current month is computed once (an InitPlan), not for each row compared.
locks AS MATERIALIZED (
    SELECT (SELECT jsonb_object_agg(l.s, l.id) FROM locked l WHERE l.id IS NOT NULL) AS ids,
        (SELECT jsonb_object_agg(m.tenant_id::text, m.period_end) FROM public.rollups_computedperiod m
            WHERE m.tenant_id = ANY (ARRAY(SELECT id FROM locked)) AND m.period_kind = 'month'
                AND m.period_start = (SELECT date_trunc('month', $2::timestamp)::date)) AS months
),
-- Their logged changes, consumed, with their tenant's id and its current month if computed.
taken AS MATERIALIZED (
    DELETE FROM public.rollups_change c WHERE (SELECT ids FROM locks) ? c.schema_name{only}
    RETURNING ((SELECT ids FROM locks) ->> c.schema_name)::bigint AS tenant_id,
        CASE WHEN (SELECT months FROM locks) ? ((SELECT ids FROM locks) ->> c.schema_name)
            THEN (SELECT date_trunc('month', $2::timestamp)::date) END AS month_start,
        ((SELECT months FROM locks) ->> ((SELECT ids FROM locks) ->> c.schema_name))::date AS month_end,
        c.schema_name, c.source, c.old, c.new
),
delta(tenant_id, period_kind, period_start, metric, dims_key, rows, value) AS MATERIALIZED ({delta}),
-- Each difference with the cell it goes to, if that cell exists (the tenants' locks keep other writers out). Every
-- lookup goes by the primary key (scope, tenant, cell) and compares the key itself, whatever the estimates (OFFSET
-- 0: never a scan of every tenant's facts), in the key's order (neighbours share the index's pages, and so do the
-- inserts that follow), and the writes that follow find the row by its address (ctid).
matched AS MATERIALIZED (
    SELECT d.*, f.ctid AS fact_row, f.value AS old_value, f.rows AS old_rows,
        coalesce(f.rows, 0) + d.rows AS new_rows, coalesce(f.value, 0) + d.value AS new_value
    FROM (SELECT d.*, {scope} AS scope, {cell} AS cell FROM delta d ORDER BY scope, tenant_id, cell) d
    LEFT JOIN LATERAL (
        SELECT f.ctid, f.value, f.rows FROM public.rollups_rollupfact f WHERE f.scope = d.scope
            AND f.tenant_id = d.tenant_id AND f.cell = d.cell AND f.period_kind = d.period_kind
            AND f.period_start = d.period_start AND f.metric = d.metric AND f.dims_key = d.dims_key
        OFFSET 0
    ) f ON TRUE
),
-- A cell left without rows is deleted, a changed one is updated in place, a new one is inserted (the deleted ones by
-- their addresses alone: a join would build each row of matched whole, to recheck it under a concurrent update).
removed AS (
    DELETE FROM public.rollups_rollupfact f WHERE f.ctid = ANY (ARRAY(SELECT fact_row FROM matched WHERE new_rows <= 0))
),
updated AS (
    UPDATE public.rollups_rollupfact f SET value = m.new_value, rows = m.new_rows, computed_at = now()
    FROM matched m WHERE f.ctid = m.fact_row AND m.fact_row IS NOT NULL AND m.new_rows > 0
),
inserted AS (
    INSERT INTO public.rollups_rollupfact
        (tenant_id, period_kind, period_start, metric, dims_key, value, rows, computed_at)
    SELECT m.tenant_id, m.period_kind, m.period_start, m.metric, m.dims_key, m.new_value, m.new_rows, now()
    FROM matched m WHERE m.fact_row IS NULL AND m.new_rows > 0
),
-- What the cells' changes do to their digests (FactDigest), logged (DigestChange): the old cells' hashes out, the new
-- ones' in. The tenant's next whole computation folds it into the digests (FOLD).
digested AS (
    INSERT INTO public.rollups_digestchange (tenant_id, period_kind, period_start, metric, digest, cells)
    SELECT m.tenant_id, m.period_kind, m.period_start, m.metric,
        bit_xor(CASE WHEN m.fact_row IS NULL THEN 0 ELSE {old_hash} END
            # CASE WHEN m.new_rows > 0 THEN {new_hash} ELSE 0 END),
        sum((m.new_rows > 0)::integer - (m.fact_row IS NOT NULL)::integer)
    FROM matched m GROUP BY 1, 2, 3, 4
)
-- The tenants locked, those that had changes, the tables changed, whether the locked tenants have changes left in
-- the log (of tables the statement does not cover: found as the log is read for the tenants with changes, or else
-- read again), and the tables changed that some non-cells metric follows; and, for the run's record (APPLIED: a
-- statement of its own, so that the runs' table is not one this plan depends on), the cells changed.
SELECT (SELECT count(*) FROM locked), {changed}, (SELECT coalesce(array_agg(DISTINCT source), '{{}}') FROM taken),
    {left}, {followed},
    set_config('{applied}', (SELECT count(*) FROM matched)::text, true)
""".replace("{old_hash}", cell_hash("m.dims_key", "m.old_value", "m.old_rows"))
    .replace("{new_hash}", cell_hash("m.dims_key", "m.new_value", "m.new_rows"))
    .replace("{scope}", scope_sql("d"))
    .replace("{cell}", cell_sql("d"))
)

# A run for the changes alone (not inside a whole computation), when some cell changed: after the change statement,
# in its transaction and round trip. A prepared statement of its own ($1 today), so that the plan of the change
# statement does not depend on the runs' table, which every run writes: a vacuum of a table a plan reads makes the
# plan be made again (5 ms for the change statement, a tenth of a millisecond for this one).
APPLIED_SETTING = "bangfu.rollup_applied"
APPLIED = f"""
INSERT INTO public.rollups_rolluprun
    (tenant_id, period_kind, period_start, trigger, status, started_at, finished_at, facts, error)
SELECT NULL, 'month', date_trunc('month', $1::date)::date, 'changes', 'ok', now(), now(), x.n, ''
FROM (SELECT current_setting('{APPLIED_SETTING}')::bigint AS n) x WHERE x.n > 0
"""


def _delta_branch(metric: Metric) -> str:
    cells = metric.cells
    types = _column_types(cells.table)
    cols = ", ".join(f"(d.j->>{lit(c)})::{types[c]} AS {qn(c)}" for c in sorted(cells.columns()))
    # A change is its old row (if any) taken out, its new row (if any) put in.
    source = (
        f"(SELECT t.tenant_id, t.month_start, t.month_end, d.sign, {cols} FROM taken t CROSS JOIN LATERAL"
        f" (VALUES (-1, t.old), (1, t.new)) AS d(sign, j) WHERE t.source = {lit(cells.table)} AND d.j IS NOT NULL)"
    )
    if _is_snapshot(metric):
        # The tenant's current month, if computed (found once per change, in ``taken``).
        periods = (
            "LATERAL (SELECT 'month'::text AS period_kind, r.month_start AS period_start, r.month_end AS period_end)"
        )
        on = "r.month_start IS NOT NULL"
    else:
        # The computed periods a row counts in, found by their first day (periods are months and years): a tenant's
        # computed periods grow by twelve a year, a change looks at two of them.
        periods, on = "public.rollups_computedperiod", "p.tenant_id = r.tenant_id"
        if cells.date:
            day = f"{_day(cells)}::timestamp"
            on += (
                f" AND (p.period_kind, p.period_start) IN (('month', date_trunc('month', {day})::date),"
                f" ('year', date_trunc('year', {day})::date))"
            )
    return _cells_sql(metric, source=source, periods=periods, on=on, tenant="r.tenant_id", delta=True)


@functools.cache
def _changes_statement(tables: frozenset[str] | None = None, *, asked: bool = False) -> str:
    """The change statement for the changes of these tables (None: of every table), which leaves the others in the
    log and says whether it left any; for the tenants ``asked`` for, or else for any with logged changes."""
    # The cells of every installed plugin: a change to a table of a plugin inactive there finds no computed facts.
    cells = [m for m in installed_metrics() if m.cells and (tables is None or m.cells.table in tables)]
    # The tables changed that some non-cells metric follows (a constant where none of the statement's tables is).
    followed = _followed_by_queries()
    if followed is not None and tables is not None:
        followed &= tables
    if followed is not None and not followed:
        sources = "'[]'::json"
    else:
        where = "TRUE" if followed is None else f"source = ANY ({_array(sorted(followed), 'text')})"
        distinct = f"SELECT DISTINCT schema_name, source FROM taken WHERE {where}"
        sources = f"(SELECT coalesce(json_agg(x), '[]') FROM ({distinct}) x)"
    delta = "\nUNION ALL\n".join(f"({_delta_branch(m)})" for m in cells) or NOTHING
    # The tenants whose changes it applies: those asked for that had some; any other it takes has some (its changes
    # of other tables, if any, are applied at once after it: ``left``).
    changed = (
        "(SELECT coalesce(array_agg(DISTINCT schema_name), '{}') FROM taken)"
        if asked
        else "(SELECT coalesce(array_agg(s), '{}') FROM locked)"
    )
    if tables is None:
        only, other, left = "", "false", "false"
    else:
        covered = _array(sorted(tables), "text")
        only, other = f" AND c.source = ANY ({covered})", f"bool_or(c.source <> ALL ({covered}))"
        left = (
            "EXISTS (SELECT FROM public.rollups_change c WHERE c.schema_name = ANY (ARRAY(SELECT s FROM locked))"
            f" AND c.source <> ALL ({covered}))"
            if asked
            else "EXISTS (SELECT FROM logged l WHERE l.other AND l.s = ANY (ARRAY(SELECT s FROM locked)))"
        )
    tenants = (ASKED_TENANTS if asked else ANY_TENANTS).format(lock=CHANGE_LOCK, other=other)
    return APPLY_CHANGES.format(
        tenants=tenants, delta=delta, followed=sources, applied=APPLIED_SETTING, only=only, changed=changed, left=left
    )


# The tables whose changes this process's minute-by-minute path applied lately (table → when, ``time.monotonic``),
# and for how long a table counts as changing lately.
_lately: dict[str, float] = {}
LATELY = 3600.0
# At most this many change statements for sets of tables are made (``_made``), and kept by each session (each about
# a megabyte of server memory, see _Prepared); beyond, the statement for every table.
CHANGE_STATEMENTS = 8
_made: set[frozenset[str]] = set()


def _changing_lately() -> frozenset[str] | None:
    """The tables changed lately, for which the change statement is made (None: every table)."""
    now = time.monotonic()
    tables = frozenset(table for table, when in _lately.items() if now - when < LATELY)
    if not tables or (tables not in _made and len(_made) >= CHANGE_STATEMENTS):
        return None
    _made.add(tables)
    return tables


@dataclass
class Consumed:
    """What a change statement did: the tenants it locked, those whose changes it applied (taking any tenant with
    changes: every one it locked, whose changes of other tables are then applied at once, see ``left``), the tables
    of those changes, whether it left changes of the locked tenants in the log (of tables it does not cover), and
    the tables changed that some non-cells metric follows, per schema (``_needs_queries``)."""

    locked: int
    changed: set[str]
    tables: set[str]
    left: bool
    followed: dict[str, set[str]]


def _consume(
    today: date,
    schemas: list[str] | None = None,
    *,
    limit: int = 0,
    record: bool = False,
    commit: bool = False,
    tables: frozenset[str] | None = None,
) -> Consumed:
    """Turn the logged changes of these tenants (None: of up to ``limit`` tenants with logged changes) into
    differences of their facts, in one round trip, taking their change locks first (a busy tenant is left alone):
    the changes of these ``tables`` (None: of every table). With ``commit`` it is a transaction of its own (see
    ``_execute``). With ``record``, one run is recorded for them all."""
    wanted = None if schemas is None else _array(sorted(set(schemas)), "text")
    call = _consume_call(today, wanted, limit=limit, tables=tables)
    recorded = prepared.call(APPLIED, [lit(today)], kept=True) if record else ""
    return _consumed(_execute(f"{SESSION_SETTINGS}\n{call}\n{recorded}", commit=commit)[-1][0])


def _consume_call(today: date, wanted: str, *, limit: int = 0, tables: frozenset[str] | None = None) -> str:
    """The change statement's execution for the tenants of ``wanted`` (SQL of a text array), or (None) for up to
    ``limit`` tenants with logged changes."""
    asked = wanted is not None
    statement = _changes_statement(tables, asked=asked)
    return prepared.call(statement, [wanted if asked else str(limit), lit(today)], kept=True)


def _consumed(row: tuple) -> Consumed:
    locked, changed, tables, left, followed, _applied = row
    if isinstance(followed, str):
        followed = json.loads(followed)
    out: dict[str, set[str]] = {}
    for source in followed:
        out.setdefault(source["schema_name"], set()).add(source["source"])
    return Consumed(locked, set(changed), set(tables), left, out)


# For the engine's transactions: plans of the prepared statements made once and kept (see _Prepared); no JIT (the
# statements are many small scans: compiling them would take longer than running them); and no wait for the commit
# to reach the disk — a crash may lose the last runs whole, never half of one (facts and consumed change log go
# together), and they are run again.
SESSION_SETTINGS = (
    "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL jit = off; SET LOCAL synchronous_commit = off;"
)


def _lock(schemas: list[str]) -> set[str]:
    """Take the change lock of these tenants where nobody holds it (a writer in flight, another run)."""
    if not schemas:
        return set()
    rows = _execute(f"{SESSION_SETTINGS}\nSELECT s {_locking(schemas)};")[-1]
    return {row[0] for row in rows}


def _locking(schemas: list[str]) -> str:
    """SQL rows s of these schemas whose change lock this transaction takes (nobody else holds it)."""
    return (
        f"FROM unnest({_array(sorted(set(schemas)), 'text')}) AS s"
        f" WHERE pg_try_advisory_xact_lock({CHANGE_LOCK}, hashtext(s))"
    )


# The tenants ``_lock_and_consume`` locked, for its second statement (a setting local to the transaction; the schemas
# joined by commas, which a schema name never holds: django-tenants allows letters, digits and underscores).
LOCKED_SETTING = "bangfu.rollup_locked"


# The digests' logged changes (DigestChange) of these tenants ($1, schema names) folded into the digests, and
# deleted: by a whole computation, after the changes it consumes and before it compares, under the tenants' locks.
# The log is read whole (no index: applying a change only inserts into it), once per batch of tenants. Each digest
# is found by its key, then written by its address, whatever the estimates (as in WRITE).
FOLD = """
WITH folded AS MATERIALIZED (
    DELETE FROM public.rollups_digestchange d
    WHERE d.tenant_id = ANY (ARRAY(SELECT t.id FROM public.tenants_tenant t WHERE t.schema_name = ANY ($1::text[])))
    RETURNING d.tenant_id, d.period_kind, d.period_start, d.metric, d.digest, d.cells
),
summed AS MATERIALIZED (
    SELECT x.digest, x.cells, g.ctid AS digest_row
    FROM (
        SELECT tenant_id, period_kind, period_start, metric, bit_xor(digest) AS digest, sum(cells) AS cells
        FROM folded GROUP BY 1, 2, 3, 4
    ) x CROSS JOIN LATERAL (
        SELECT g.ctid FROM public.rollups_factdigest g WHERE g.tenant_id = x.tenant_id
            AND g.period_kind = x.period_kind AND g.period_start = x.period_start AND g.metric = x.metric
        OFFSET 0
    ) g
)
UPDATE public.rollups_factdigest g SET digest = g.digest # s.digest, cells = g.cells + s.cells
FROM summed s WHERE g.ctid = s.digest_row AND g.ctid = ANY (ARRAY(SELECT digest_row FROM summed))
"""


def _lock_and_consume(schemas: list[str], today: date) -> tuple[set[str], dict[str, set]]:
    """``_lock`` these tenants, then consume the logged changes of those locked (``_consume``) and fold their
    digests' logged changes in (``FOLD``), in one round trip: the first statement hands the tenants it locked to
    the others through a setting local to the transaction, and the second, a statement of its own, reads the log
    only once the locks are held (a writer that commits between two statements is then either wholly in the log the
    second reads, or still holds its tenant's lock)."""
    if not schemas:
        return set(), {}
    lock = (
        f"SELECT coalesce(array_agg(s), '{{}}'), set_config('{LOCKED_SETTING}', coalesce(string_agg(s, ','), ''), true)"
        f" {_locking(schemas)};"
    )
    locked_schemas = f"string_to_array(current_setting('{LOCKED_SETTING}'), ',')"
    consume = _consume_call(today, locked_schemas)
    fold = prepared.call(FOLD, [locked_schemas], kept=True)
    (locked,), (consumed,) = _execute(f"{SESSION_SETTINGS}\n{lock}\n{consume}\n{fold}")
    return set(locked[0]), _consumed(consumed).followed


@functools.cache
def _followed_by_queries() -> frozenset[str] | None:
    """The tables whose changes some non-cells metric must be computed again for (None: any table)."""
    tables: set[str] = set()
    for metric in installed_metrics():
        if not metric.cells:
            if metric.sources is None:
                return None
            tables |= metric.sources
    return frozenset(tables)


def _needs_queries(sources: set[str]) -> bool:
    """Most changes touch only tables that cells metrics follow by themselves: nothing to recompute then."""
    followed = _followed_by_queries()
    return followed is None or bool(sources & followed)


def _recompute_after_changes(
    tenants: dict[int, object], changed: dict[int, set[str]], today: date, skip: set[tuple[int, str, date]]
) -> list[Unit]:
    """Units for the metrics that cannot follow changes cell by cell (``query`` and ``compute``-only metrics) whose
    sources changed, for the tenant's current computed periods (a past period keeps its figures)."""
    changed = {t: sources for t, sources in changed.items() if _needs_queries(sources)}
    wanted = {}
    for tenant_id, sources in changed.items():
        metrics = [
            m for m in metrics_for(tenants[tenant_id]) if not m.cells and (m.sources is None or m.sources & sources)
        ]
        if metrics:
            wanted[tenant_id] = metrics
    if not wanted:
        return []
    current: dict[int, list] = {}
    for tenant_id, *period in ComputedPeriod.objects.filter(
        tenant_id__in=list(wanted), period_start__lte=today, period_end__gte=today
    ).values_list("tenant_id", "period_kind", "period_start", "period_end"):
        current.setdefault(tenant_id, []).append(tuple(period))
    units = []
    for tenant_id, metrics in wanted.items():
        periods = [p for p in current.get(tenant_id, []) if (tenant_id, p[0], p[1]) not in skip]
        if periods:
            units.append(Unit(tenants[tenant_id], periods, metrics))
    return units


def apply_changes(schemas: list[str] | None = None, *, today: date | None = None, limit: int = 500) -> dict:
    """Bring the facts of these tenants (by default: of up to ``limit`` tenants with logged changes) up to date
    with their logged changes — the minute-by-minute path: the locks, the changes and the run record are one
    transaction in one round trip. The metrics that cannot follow changes cell by cell are then computed again for
    the tenants whose tables they read changed. Returns how many tenants changed and how many asked for were busy.

    The change statement is made for the tables changed lately (``_changing_lately``), not for every table a metric
    reads: most minutes change a few tables, and a statement's execution sets up every part of its plan, used or
    not (with the dossiers alone changed, the parts for the other tables cost 5–7 % of an apply at 50 tenants, 7 %
    at 200). The changes of other tables it leaves in the log, and says so: the statement for every table applies
    them at once."""
    today = today or _today()
    done = _consume(today, schemas, limit=limit, record=True, commit=True, tables=_changing_lately())
    changed, tables, followed = done.changed, done.tables, done.followed
    if done.left:
        more = _consume(today, schemas, limit=limit, record=True, commit=True)
        changed, tables = changed | more.changed, tables | more.tables
        for schema, sources in more.followed.items():
            followed.setdefault(schema, set()).update(sources)
    now = time.monotonic()
    _lately.update(dict.fromkeys(tables, now))
    if followed:
        _recompute_queries(followed, today)
    return {"tenants": len(changed), "skipped": len(set(schemas)) - done.locked if schemas is not None else 0}


def _recompute_queries(changed: dict[str, set[str]], today: date) -> None:
    """After changes were applied: the ``query`` (and ``compute``-only) metrics whose sources changed, computed whole
    for the tenants' current periods in a transaction of their own. A tenant busy again by then (a writer, another
    run) has its current periods marked dirty: the next dispatch computes them whole."""
    from tenants.models import Tenant

    tenants = {t.pk: t for t in Tenant.objects.filter(schema_name__in=list(changed))}
    prefetch_active_plugins(tenants.values())
    with transaction.atomic():
        locked = _lock([t.schema_name for t in tenants.values()])
        mine = {pk: t for pk, t in tenants.items() if t.schema_name in locked}
        sources = {pk: changed[t.schema_name] for pk, t in mine.items()}
        _write_absolute(_recompute_after_changes(mine, sources, today, set()), today)
    for pk, tenant in tenants.items():
        if tenant.schema_name not in locked:
            mark_dirty(pk, current_periods(today))


# --------------------------------------------------------------------------------------------- recompute
def recompute(items: list[tuple[str, str, date]], *, trigger: str = "manual", today: date | None = None) -> dict:
    """Compute these (schema, kind, start) tenant-periods whole, every metric, in one transaction.

    Returns ``{"done": n, "skipped": n, "runs": [RollupRun ids]}``; raises if the batch fails (its runs are
    recorded as failed). A tenant whose change lock is held is skipped and stays dirty for the next dispatch."""
    from tenants.models import Tenant

    today = today or _today()
    wanted: dict[str, dict[tuple[str, date], date]] = {}
    for schema, kind, start in items:
        lo, hi = period_bounds(kind, start if isinstance(start, date) else date.fromisoformat(start))
        wanted.setdefault(schema, {})[(kind, lo)] = hi
    tenants = {t.schema_name: t for t in Tenant.objects.filter(schema_name__in=list(wanted)).order_by()}
    prefetch_active_plugins(tenants.values())
    started = timezone.now()
    run_of = _start_runs(
        [(tenants[s].pk, k, lo) for s, periods in wanted.items() if s in tenants for k, lo in periods], trigger, started
    )
    try:
        with transaction.atomic():
            # The locks and the logged changes they cover (included in what is computed here), then the whole
            # computation and the runs' record: two round trips.
            locked, by_schema = _lock_and_consume(list(tenants), today)
            mine = {tenants[s].pk: tenants[s] for s in locked}
            units = [
                Unit(tenants[s], [(k, lo, hi) for (k, lo), hi in sorted(wanted[s].items())], metrics_for(tenants[s]))
                for s in sorted(locked)
            ]
            doing = {(u.tenant.pk, k, lo) for u in units for k, lo, _hi in u.periods}
            changed = {tenants[schema].pk: sources for schema, sources in by_schema.items()}
            units += _recompute_after_changes(mine, changed, today, doing)
            runs = {run_of[key]: key for key in doing}
            _write_absolute(units, today, then=(lambda: _finish_call(runs, started)) if runs else None)
    except Exception as exc:
        RollupRun.objects.filter(pk__in=list(run_of.values())).update(
            status=RollupRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    skipped = [key for key in run_of if key not in doing]
    if skipped:
        # Not computed: the run is dropped, the period stays dirty and is dispatched again.
        RollupRun.objects.filter(pk__in=[run_of[k] for k in skipped]).delete()
        DirtyPeriod.objects.filter(tenant_id__in={k[0] for k in skipped}, dispatched_at__isnull=False).update(
            dispatched_at=None
        )
    return {"done": len(doing), "skipped": len(skipped), "runs": [run_of[k] for k in sorted(doing)]}


# Prepared like the tenants' statements: $1 tenant ids, $2 kinds, $3 first days, $4 trigger, $5 when they started.
START_RUNS = """
INSERT INTO public.rollups_rolluprun (tenant_id, period_kind, period_start, trigger, status, started_at, facts, error)
SELECT x.t, x.k, x.s, $4, 'running', $5, 0, '' FROM unnest($1::bigint[], $2::text[], $3::date[]) AS x(t, k, s)
RETURNING tenant_id, period_kind, period_start, id
"""


def _start_runs(keys: list[tuple[int, str, date]], trigger: str, started: datetime) -> dict[tuple, int]:
    """Record the runs of these (tenant id, kind, start) as running, before the computation and outside its
    transaction (a worker that dies leaves them running: shown as failed after the time limit); returns their
    ids (one prepared statement)."""
    if not keys:
        return {}
    tenant_ids, kinds, starts = zip(*keys, strict=True)
    args = [_array(tenant_ids, "bigint"), _array(kinds, "text"), _array(starts, "date"), lit(trigger)]
    # A transaction of its own, committed without waiting for the disk like the engine's others (SESSION_SETTINGS).
    call = prepared.call(START_RUNS, [*args, lit(started.isoformat())], kept=True)
    rows = _execute(f"{SESSION_SETTINGS}\n{call}", commit=True)[-1]
    return {(t, k, s): pk for t, k, s, pk in rows}


# Prepared like the tenants' statements: $1 run ids, $2 tenant ids, $3 kinds, $4 first days, $5 last days, $6 when the
# runs started, $7 when they finished (the clock's time as it runs, after the computation it follows).
FINISH = """
WITH done(run_id, tenant_id, period_kind, period_start, period_end) AS MATERIALIZED (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::date[], $5::date[])
),
runs AS (
    -- The facts of the tenant-period, as their digests count them (see FactDigest).
    UPDATE public.rollups_rolluprun r SET status = 'ok', finished_at = $7::timestamptz, facts = (
        SELECT coalesce(sum(g.cells), 0) FROM public.rollups_factdigest g WHERE g.tenant_id = d.tenant_id
            AND g.period_kind = d.period_kind AND g.period_start = d.period_start)
    FROM done d WHERE r.id = d.run_id
),
-- A period is recorded once, when first computed (the runs tell when since): the table is not written again, so
-- neither vacuumed, nor are the plans that read it (the change statement's) made again.
computed AS (
    INSERT INTO public.rollups_computedperiod (tenant_id, period_kind, period_start, period_end, computed_at)
    SELECT tenant_id, period_kind, period_start, period_end, $7::timestamptz FROM done
    ON CONFLICT (tenant_id, period_kind, period_start) DO NOTHING
)
-- The dirty marks these runs answer, unless renewed while they ran.
DELETE FROM public.rollups_dirtyperiod x USING done d WHERE x.tenant_id = d.tenant_id
    AND x.period_kind = d.period_kind AND x.period_start = d.period_start AND x.marked_at <= $6::timestamptz
"""


def _finish_call(runs: dict[int, tuple[int, str, date]], started: datetime) -> str:
    """The statement recording the runs as done (with the number of facts of each tenant-period), the periods as
    computed, and clearing the dirty marks they answer: one prepared statement, sent after the computation in the
    same round trip."""
    ids, tenants, kinds, starts = zip(*((run, *key) for run, key in runs.items()), strict=True)
    ends = [period_bounds(kind, start)[1] for kind, start in zip(kinds, starts, strict=True)]
    args = [
        _array(ids, "bigint"),
        _array(tenants, "bigint"),
        _array(kinds, "text"),
        _array(starts, "date"),
        _array(ends, "date"),
        lit(started.isoformat()),
        "clock_timestamp()",
    ]
    return prepared.call(FINISH, args, kept=True)
