"""Shared fixtures: tenants created once per run by cloning, personas on more than one tenant, tenant-host
clients, and a real Celery worker process for the tests that claim to test the worker.

Tenants (`tenant_a`, `tenant_b` — two county unions — and `municipal`) and the personas are created once per test
run, committed, right after pytest-django creates the test database. Each test then runs inside a transaction
that is rolled back (pytest-django's `db`), so tests stay isolated and fast.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Str0ng-test-pass!"

TENANTS = {
    # key: (short_code, name, kind, parent key)
    "municipal": ("testcity", "测试市总工会", "municipal", None),
    "tenant_a": ("tenanta", "甲县总工会", "county", "municipal"),
    "tenant_b": ("tenantb", "乙县总工会", "county", "municipal"),
}
PERSONAS = {
    # username: (tenant key, role)
    "alice": ("tenant_a", "tenant_admin"),
    "amy": ("tenant_a", "station_staff"),
    "bob": ("tenant_b", "tenant_admin"),
    "mayor": ("municipal", "tenant_admin"),
    "ana": ("municipal", "municipal_analyst"),
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model

    from tenants.models import Membership, Tenant
    from tenants.provisioning import ensure_template, provision_tenant

    with django_db_blocker.unblock():
        ensure_template(force=True)
        made: dict[str, Tenant] = {}
        for key, (code, name, kind, parent) in TENANTS.items():
            made[key] = provision_tenant(name=name, short_code=code, kind=kind, parent=made.get(parent))
        User = get_user_model()
        for username, (tenant_key, role) in PERSONAS.items():
            user = User.objects.create_user(username=username, password=PASSWORD, full_name=username.title())
            Membership.objects.create(user=user, tenant=made[tenant_key], role=role)
        # Every test starts with no rollup state: not the dirty marks of these memberships, nor the change log.
        from rollups.models import Change, DirtyPeriod

        DirtyPeriod.objects.all().delete()
        Change.objects.all().delete()
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Redis is not rolled back with the transaction: drop this run's keys after each test."""
    yield
    from django.core.cache import cache

    client = cache.client.get_client()
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    # Tenant-scoped keys start with the schema (django_tenants.cache.make_key: "<schema>:<prefix>:…"); the
    # platform's own (the login throttle) with the prefix.
    keys = [*client.scan_iter(f"{prefix}:*", count=500), *client.scan_iter(f"*:{prefix}:*", count=500)]
    if keys:
        client.delete(*keys)


def _tenant(key):
    from tenants.models import Tenant

    return Tenant.objects.get(short_code=TENANTS[key][0])


@pytest.fixture
def tenant_a(db):
    return _tenant("tenant_a")


@pytest.fixture
def tenant_b(db):
    return _tenant("tenant_b")


@pytest.fixture
def municipal(db):
    return _tenant("municipal")


@pytest.fixture
def persona(db):
    """`persona("alice")` → the user."""
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.get(username=username)


def host_of(tenant) -> str:
    return f"{tenant.short_code}.{settings.BASE_DOMAIN}"


@pytest.fixture
def client_for(db):
    """`client_for(tenant, user=None)` → a test client on the tenant's host, logged in there when a user is given
    (the same way the login page does it: the session is bound to the tenant)."""
    from core.middleware import SESSION_TENANT_KEY

    def make(tenant, user=None, **extra):
        client = Client(HTTP_HOST=host_of(tenant), **extra)
        if user is not None:
            client.force_login(user)
            session = client.session
            session[SESSION_TENANT_KEY] = tenant.pk
            session.save()
        return client

    return make


@pytest.fixture
def api_for(db):
    """`api_for(tenant, user=None)` → a DRF APIClient on the tenant's host, authenticated by token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(tenant, user=None):
        client = APIClient(HTTP_HOST=host_of(tenant))
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# ------------------------------------------------------------------------------------------- real worker
@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real `celery worker` process on this run's own queue, using the test database and real Redis."""
    from worker import app

    log_file = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "BANGFU_DB_NAME": connection.settings_dict["NAME"],
        "BANGFU_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "BANGFU_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }
    hostname = f"test-{os.getpid()}@%h"
    cmd = [
        sys.executable, "-m", "celery", "-A", "worker", "worker", "-l", "info", "-c", "1", "-P", "prefork",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", hostname, "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the worker exited early:\n{log_file.read_text()}")
            if app.control.ping(timeout=0.5, destination=[hostname.replace("%h", os.uname().nodename)]):
                break
        else:
            pytest.fail(f"the worker did not answer within 60 s:\n{log_file.read_text()}")
        proc.log_file = log_file
        yield proc
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)
        if proc.poll() is None:
            proc.kill()


@pytest.fixture(scope="session")
def _schemas_to_drop(django_db_setup, django_db_blocker):
    """Schemas made by committed work, dropped when the run ends: DROP SCHEMA locks the tables that the schema's
    foreign keys point to (users, ...), which a test's open transaction may be reading."""
    schemas: list[str] = []
    yield schemas
    with django_db_blocker.unblock(), connection.cursor() as cur:
        for schema in schemas:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def committed(_schemas_to_drop):
    """Write rows that a worker process must see, on a separate autocommit connection (the test's own connection
    sits in a transaction that is rolled back). `committed(sql, params, undo_with=(sql, params))` runs one statement
    and returns its rows; every `undo_with` runs after the test, last first. `committed.drop_schema_later(name)`
    drops a schema that the worker created when the run ends. A lock timeout turns a mistake into an error, not a
    hang."""
    import psycopg

    params = connection.get_connection_params()
    conn = psycopg.connect(
        **{k: params[k] for k in ("dbname", "user", "password", "host", "port") if params.get(k)}, autocommit=True
    )
    conn.execute("SET lock_timeout = '20s'")
    undo: list = []

    def run(sql, args=(), undo_with=None):
        cur = conn.execute(sql, args)
        if undo_with:
            undo.append(undo_with)
        return cur.fetchall() if cur.description else None

    run.drop_schema_later = _schemas_to_drop.append
    yield run
    for sql, args in reversed(undo):
        conn.execute(sql, args)
    conn.close()


ROLLUP_TABLES = ("rollupfact", "factdigest", "digestchange", "rolluprun", "dirtyperiod", "computedperiod", "change")


@pytest.fixture
def no_rollup_state(committed):
    """No committed rollup state before and after the test (a worker computes every tenant the dispatcher finds,
    and what it commits is not rolled back with the test)."""
    for table in ROLLUP_TABLES:
        clear = (f"DELETE FROM public.rollups_{table}", [])
        committed(*clear, undo_with=clear)
    return committed


@pytest.fixture
def standards(tenant_a, tenant_b, municipal, persona):
    """Minimum-living standards of 2026: 450 a month on tenant A and the municipal tenant, 600 on tenant B."""
    from django_tenants.utils import schema_context

    from dossiers import services

    for tenant, user, amount in ((tenant_a, "alice", "450"), (tenant_b, "bob", "600"), (municipal, "mayor", "450")):
        with schema_context(tenant.schema_name):
            services.set_living_standard(persona(user), tenant, year=2026, monthly_per_capita=amount)


@pytest.fixture(scope="session", autouse=True)
def _remove_test_media():
    """tests.settings points MEDIA_ROOT at a fresh temporary folder; remove it when the run ends."""
    yield
    import shutil

    if "bangfu-test-media-" in str(settings.MEDIA_ROOT):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
