"""Rollup facts in the public schema: only aggregates of each tenant cross into it (D-MU1).

- ``RollupFact``: one figure of one tenant for one period, metric and set of dimensions. Exact (the rows a tenant
  contributes); small cells are suppressed when shown (``rollups.services.SUPPRESS_BELOW``), not when stored, so
  that totals stay exact.
- ``RollupRun``: when a tenant's period was computed, by what trigger, and whether it failed (failures are shown to
  the municipal union, never silent).
- ``ComputedPeriod``: a tenant's period whose facts have been computed whole at least once; only those are kept up
  to date from the change log.
- ``FactDigest``: a digest of the stored facts of one tenant's period and metric, kept with them, so that a whole
  computation arriving at the same digest need not read and compare them cell by cell. ``DigestChange``: what the
  changes applied since did to it, folded into it by the tenant's next whole computation.
- ``DirtyPeriod``: a tenant's period to compute whole again (nightly, a missing period, a change of memberships).
- ``Change``: the change log the tenants' triggers write (``core.db.LogChanges``): which table of which schema, and
  the metric columns of the row before and after, consumed within a minute by ``rollups.engine.apply_changes``.
  It holds no name, ID number or row id — only the columns the figures are made of.
"""

from django.db import models
from django.db.models.functions import Cast, Now
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class FactManager(models.Manager):
    """Facts with ``dims``, their dimensions as JSON (``dims__unit=…``, ``values("dims")``, ``fact.dims``), read
    from the key: not stored a second time (parsing and storing it cost a twentieth of applying a change)."""

    def get_queryset(self):
        return super().get_queryset().annotate(dims=Cast("dims_key", models.JSONField()))


class ScopeOf(models.Func):
    """The scope of a metric and period (``RollupFact.scope``, the first column of the facts' primary key), as the
    database computes it, for the reads."""

    output_field = models.BigIntegerField()

    def __init__(self, metric: str, kind: str, start):
        super().__init__(models.Value(metric), models.Value(kind), models.Value(start))

    def as_sql(self, compiler, connection, **extra):
        (metric, p1), (kind, p2), (start, p3) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"hashtextextended(({metric})::text || '|' || ({kind})::text, ({start})::date - DATE '2000-01-01')"
        return sql, (*p1, *p2, *p3)


def in_scopes(metrics, kind: str, starts) -> models.Q:
    """The facts of these metrics for these periods of a kind, found by the primary key (every read by metric and
    period goes through here: without the scope, the database reads every fact)."""
    metrics, starts = sorted(set(metrics)), sorted(set(starts))
    return models.Q(
        scope__in=[ScopeOf(m, kind, s) for m in metrics for s in starts],
        metric__in=metrics,
        period_kind=kind,
        period_start__in=starts,
    )


class RollupFact(models.Model):
    # The key: tenant, period, metric and dimensions, Django's primary key. The database's primary key constraint is
    # (scope, tenant, cell) instead (migration 0010), two 64-bit hashes the database computes: the scope of the
    # metric and period, the cell of the rest of the key. Integers are about twice as fast to find as the five
    # columns they stand for, and applying a change is mostly finding cells; with the scope first, the same index
    # finds a metric's facts for a period over every tenant (the municipal figures, see ``scope_of``) or one tenant
    # (its figures, and the stored cells a whole computation compares), so that a new cell costs one index entry,
    # not two (a second index by metric made applying a change a tenth slower). The key stays unique (the hashes are
    # functions of it); every lookup compares the key's own columns too, and two keys of one tenant and scope hashing
    # alike (one chance in four billion for a scope of 100,000 cells) are refused by the constraint, never merged.
    # (Django does not take a generated column into a primary key.) No surrogate id: nothing reads it.
    pk = models.CompositePrimaryKey("tenant", "period_kind", "period_start", "metric", "dims_key")
    # No foreign-key constraint in the database either:
    # facts are derived data that only the engine writes, from tenant ids it joins from tenants_tenant, and the
    # constraint's check of every inserted cell cost about a tenth of applying a change (Django still deletes a
    # tenant's facts with the tenant).
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    metric = models.CharField(max_length=100)
    # The dimensions as canonical JSON (sorted keys): part of the key. Read as JSON through ``dims`` (``FactManager``).
    dims_key = models.CharField(max_length=500)
    # Computed by the database from the key, so that no writer can get it wrong (``rollups.engine.scope_sql`` and
    # ``cell_sql`` are the same expressions, for the lookups; ``scope_of`` for the reads).
    scope = models.GeneratedField(
        expression=models.Func(
            models.Func("metric", "period_kind", template="%(expressions)s", arg_joiner=" || '|' || "),
            "period_start",
            template="hashtextextended(%(expressions)s - DATE '2000-01-01')",
        ),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    cell = models.GeneratedField(
        expression=models.Func(
            models.Func("metric", "period_kind", "dims_key", template="%(expressions)s", arg_joiner=" || '|' || "),
            "period_start",
            template="hashtextextended(%(expressions)s - DATE '2000-01-01')",
        ),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    value = models.DecimalField(max_digits=20, decimal_places=2)
    # The tenant rows behind the cell, for metrics kept up to date from the change log (a cell whose rows drop to 0
    # is deleted); NULL for the others.
    rows = models.BigIntegerField(null=True, blank=True)
    # When the value last changed.
    computed_at = models.DateTimeField()

    objects = FactManager()

    # No index may cover value, rows or computed_at (nor a partial index test them): updates stay in place (HOT).

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start} {self.metric} {self.dims_key}"


class RollupRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Done")
        FAILED = "failed", _("Failed")

    # None for a run that applied the logged changes of every tenant that had some (``trigger`` "changes"). Runs are
    # written only by the engine, a hundred per batch, from tenant ids it has just read: no foreign-key check in the
    # database (a deferred check per run at every commit), and no index of its own (the index below starts with it).
    # Django still deletes a tenant's runs with the tenant.
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    trigger = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    facts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["tenant", "period_kind", "period_start", "-started_at"])]

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start} {self.status}"


class DirtyPeriod(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    marked_at = models.DateTimeField()
    # When a dispatcher last sent it to a worker; a new mark clears it, a stuck one is sent again after a while.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period_kind", "period_start"], name="dirty_period_once")
        ]

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start}"


class FactDigest(models.Model):
    """What the stored facts of one tenant's (period, metric) are, in 8 bytes: the XOR of a 64-bit hash of each cell
    (its key, value and rows) and the number of cells.

    Every writer of facts keeps it in the same transaction (``rollups.engine``): a whole computation sets it; a change
    logs what it did to it, the old cells' hashes out and the new ones in (``DigestChange``), and the tenant's next
    whole computation folds that in first. So a whole computation whose cells hash to the same digest knows the
    stored cells are already these, without reading them; one with another digest compares them cell by cell and
    writes the differences. A digest is trusted for ``rollups.engine.DIGEST_TRUSTED_FOR`` after that
    last comparison (``verified_at``): at least once a day (the nightly run) the facts are compared cell by cell
    anyway, which also corrects facts changed by hand. No digest: the cells are compared.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    metric = models.CharField(max_length=100)
    digest = models.BigIntegerField()
    cells = models.IntegerField()
    verified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period_kind", "period_start", "metric"], name="fact_digest_once")
        ]

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start} {self.metric} {self.digest:x}/{self.cells}"


class DigestChange(models.Model):
    """What applying changes did to a ``FactDigest`` (the XOR of the cells' hashes taken out and put in, and the
    cells added less those removed), logged by the change statement and folded into the digest, then deleted, by the
    tenant's next whole computation, before it compares (``rollups.engine.FOLD``), all under the tenant's change lock.

    A log, not an update of the digest: an apply inserts a row per (period, metric) it changed and looks nothing up
    (updating the digests in place was 8 % of an apply at 50 tenants). Every active tenant is computed whole at least
    nightly, so the log holds about a day of changes at most; those of a tenant no longer active are dropped with its
    logged changes (``rollups.services.drop_orphan_changes``: its digests then differ from its cells, which are
    compared the next time). A change to a (period, metric) without a digest is folded into nothing."""

    # No foreign-key constraint and no index but the primary key, as for the facts: nothing is checked or indexed
    # as a change is applied; the fold reads the log whole, once per batch of tenants.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    metric = models.CharField(max_length=100)
    digest = models.BigIntegerField()
    cells = models.IntegerField()

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start} {self.metric} {self.digest:x}/{self.cells:+}"


class ComputedPeriod(models.Model):
    # No index of its own: the unique constraint below starts with it.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    period_kind = models.CharField(max_length=5, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    # When it was first computed (never updated: the runs tell when since, see rollups.engine.FINISH).
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period_kind", "period_start"], name="computed_period_once")
        ]

    def __str__(self):
        return f"{self.tenant_id} {self.period_kind} {self.period_start}"


class Change(models.Model):
    schema_name = models.CharField(max_length=63)
    source = models.CharField(max_length=63)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    logged_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["schema_name"])]

    def __str__(self):
        return f"{self.schema_name}.{self.source} {self.logged_at}"
