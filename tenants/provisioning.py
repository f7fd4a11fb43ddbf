"""Creating tenants by cloning a template schema.

Data flow
---------
1. ``ensure_template()`` keeps one schema, ``settings.BANGFU_TEMPLATE_SCHEMA``, migrated with every TENANT_APP.
   It runs the tenant migrations there only when the migration graph has nodes the template has not applied
   (so a deploy pays for migrations once, not once per tenant), under a PostgreSQL advisory lock so that two
   workers never migrate it at the same time. It also installs django-tenants' ``clone_schema`` PL/pgSQL
   function once per database version of it (that function is 4,600 lines; re-creating it per call, as
   django-tenants' own clone does, costs more than the clone itself).
2. ``provision_tenant()`` validates the request, then in **one transaction** inserts the tenant row, clones the
   template into the tenant's schema (tables, sequences, constraints, and the template's rows: its migration
   records and content types), adds the primary domain, the plugin activations and the first administrator's
   membership. PostgreSQL DDL is transactional, so any failure rolls back everything: the tenant exists fully or
   not at all, and no schema is left behind.
3. The municipal admin's pages and API create a ``ProvisioningJob``; the worker's ``tenants.provision_tenant`` task
   runs step 2 and records each step on the job, which the page polls.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django_tenants.clone import CLONE_SCHEMA_FUNCTION, CloneSchema
from django_tenants.utils import schema_exists

from core.plugins import registry
from core.roles import Role
from core.tenancy import tenant_app_labels
from tenants.models import Domain, Membership, PluginActivation, Tenant

log = logging.getLogger(__name__)

_TEMPLATE_LOCK = 0x42414E47  # "BANG": advisory-lock key for migrating the template
_CLONE_FN_HASH = hashlib.sha256(CLONE_SCHEMA_FUNCTION.encode()).hexdigest()[:16]
_template_ready_in_process = False


def template_schema() -> str:
    return settings.BANGFU_TEMPLATE_SCHEMA


def schema_is_current(schema: str) -> bool:
    """True when `schema` has applied every migration of the tenant apps."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [f'"{schema}".django_migrations'])
        if cur.fetchone()[0] is None:
            return False
        cur.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        applied = set(cur.fetchall())
    return _wanted_tenant_migrations() <= applied


_wanted_cache: set | None = None


def _wanted_tenant_migrations() -> set:
    global _wanted_cache
    if _wanted_cache is None:
        labels = tenant_app_labels()
        graph = MigrationLoader(None, ignore_no_migrations=True).graph
        _wanted_cache = {node for node in graph.nodes if node[0] in labels}
    return _wanted_cache


def _install_clone_function() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        row = cur.fetchone()
        if row and row[0] == f"bangfu:{_CLONE_FN_HASH}":
            return
        CloneSchema()._create_clone_schema_function()
        cur.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
        )
        for (signature,) in cur.fetchall():
            cur.execute(f"COMMENT ON FUNCTION {signature} IS 'bangfu:{_CLONE_FN_HASH}'")


def ensure_template(force: bool = False, verbosity: int = 0) -> None:
    """Make sure the template schema exists, is fully migrated and the clone function is installed."""
    global _template_ready_in_process
    if _template_ready_in_process and not force:
        return
    schema = template_schema()
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", [_TEMPLATE_LOCK])
    try:
        if not schema_exists(schema):
            with connection.cursor() as cur:
                cur.execute(f'CREATE SCHEMA "{schema}"')
        if force or not schema_is_current(schema):
            log.info("migrating the tenant template schema %s", schema)
            call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=verbosity)
            connection.set_schema_to_public()
        _install_clone_function()
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [_TEMPLATE_LOCK])
    _template_ready_in_process = True


def clone_template_into(schema_name: str) -> None:
    """Copy the template schema into a new schema. Must run inside the caller's transaction."""
    with connection.cursor() as cur:
        cur.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema(), schema_name])


def migrate_into(schema_name: str) -> None:
    """The slow path (for comparison in bench/provision): create the schema and run every migration."""
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema_name}"')
    call_command("migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def validate_request(
    *, name: str, short_code: str, kind: str, parent: Tenant | None, division_code: str = ""
) -> Tenant:
    """Build (unsaved) and validate a tenant; raises ValidationError with per-field messages."""
    tenant = Tenant(
        name=(name or "").strip(),
        short_code=(short_code or "").strip(),
        kind=kind,
        parent=parent,
        division_code=(division_code or "").strip(),
        schema_name=Tenant.schema_for((short_code or "").strip()),
    )
    errors: dict[str, list] = {}
    try:
        tenant.full_clean(exclude=["schema_name"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    domain = f"{tenant.short_code}.{settings.BASE_DOMAIN}"
    if tenant.short_code and "short_code" not in errors:
        if Domain.objects.filter(domain=domain).exists() or schema_exists(tenant.schema_name):
            errors.setdefault("short_code", []).append(_("This short code is already taken."))
    if kind == Tenant.Kind.MUNICIPAL and Tenant.objects.filter(kind=Tenant.Kind.MUNICIPAL).exists():
        errors.setdefault("kind", []).append(_("There is already a municipal union tenant."))
    if errors:
        raise ValidationError(errors)
    return tenant


def provision_tenant(
    *,
    name: str,
    short_code: str,
    kind: str,
    parent: Tenant | None = None,
    division_code: str = "",
    admin=None,
    plugins: Iterable[str] | None = None,
    created_by=None,
    progress: Callable[[str], None] | None = None,
    _fail_after_clone: bool = False,
) -> Tenant:
    """Create a tenant, atomically, by cloning the template schema.

    ``admin`` (a user) becomes the tenant's first administrator. ``plugins`` lists the slugs to activate
    (default: the installed plugins that are ``default_active``). ``progress`` receives a short message per step.
    """
    say = progress or (lambda _msg: None)
    tenant = validate_request(name=name, short_code=short_code, kind=kind, parent=parent, division_code=division_code)
    unknown = sorted(set(plugins or ()) - set(registry.slugs()))
    if unknown:
        raise ValidationError({"plugins": [_("Unknown plugins: %s") % ", ".join(unknown)]})
    say("template")
    ensure_template()
    connection.set_schema_to_public()
    with transaction.atomic():
        tenant.save()
        say("schema")
        clone_template_into(tenant.schema_name)
        if _fail_after_clone:  # used by the tests to prove that a failed creation leaves nothing behind
            raise RuntimeError("provisioning failed on purpose after the clone")
        say("domain")
        Domain.objects.create(domain=f"{tenant.short_code}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True)
        say("plugins")
        wanted = plugins if plugins is not None else [cfg.slug for cfg in registry.all() if cfg.default_active]
        PluginActivation.objects.bulk_create(
            [PluginActivation(tenant=tenant, plugin=slug, is_active=True, changed_by=created_by) for slug in wanted]
        )
        if admin is not None:
            say("administrator")
            Membership.objects.create(user=admin, tenant=tenant, role=Role.TENANT_ADMIN, created_by=created_by)
    say("done")
    log.info("provisioned tenant %s (%s)", tenant.short_code, tenant.schema_name)
    return tenant


def get_or_create_admin_user(username: str, *, password: str | None = None, email: str = ""):
    """The user who will administer a new tenant. A new user without a given password gets an unusable one:
    the municipal admin sets the initial password on the job's page (``tenants.services.set_initial_password``)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = False
    if user is None:
        user = User(username=username, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        created = True
    return user, created


def run_job(job) -> Tenant:
    """Carry out a ProvisioningJob, recording each step on it (called by the worker)."""
    from django.utils import timezone

    from tenants.models import ProvisioningJob

    def progress(step: str) -> None:
        job.steps = [*job.steps, {"step": step, "at": timezone.now().isoformat()}]
        ProvisioningJob.objects.filter(pk=job.pk).update(steps=job.steps)

    existing = Tenant.objects.filter(short_code=job.short_code).first()
    if job.status == ProvisioningJob.Status.RUNNING and existing is not None:
        # Redelivered after a worker died between the (atomic) creation and the job's final update.
        ProvisioningJob.objects.filter(pk=job.pk).update(
            status=ProvisioningJob.Status.DONE, tenant=existing, finished_at=timezone.now()
        )
        return existing
    ProvisioningJob.objects.filter(pk=job.pk).update(status=ProvisioningJob.Status.RUNNING)
    try:
        admin = None
        if job.admin_username:
            admin, created = get_or_create_admin_user(job.admin_username)
            if created:
                ProvisioningJob.objects.filter(pk=job.pk).update(admin_created=True)
        tenant = provision_tenant(
            name=job.name,
            short_code=job.short_code,
            kind=job.kind,
            parent=job.parent,
            division_code=job.division_code,
            admin=admin,
            plugins=job.plugins or None,
            created_by=job.requested_by,
            progress=progress,
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        message = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        ProvisioningJob.objects.filter(pk=job.pk).update(
            status=ProvisioningJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    except Exception as exc:
        ProvisioningJob.objects.filter(pk=job.pk).update(
            status=ProvisioningJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ProvisioningJob.objects.filter(pk=job.pk).update(
        status=ProvisioningJob.Status.DONE, tenant=tenant, finished_at=timezone.now()
    )
    return tenant
