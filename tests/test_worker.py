"""A real Celery worker process against real Redis and the test database: tasks run in their tenant's schema,
and a tenant-scoped task without a tenant is refused."""

import platform

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from tests.dummy_plugin.tasks import count_things
from worker import app
from worker.tasks import TenantRequired, dispatch_to_tenants, ping, send_to_tenant

pytestmark = pytest.mark.worker
TIMEOUT = 60


@pytest.fixture
def things(committed, tenant_a, tenant_b):  # `committed` first: see its docstring
    for tenant, name in [(tenant_a, "a-thing"), (tenant_b, "b-thing")]:
        table = f'"{tenant.schema_name}".dummy_plugin_thing'
        committed(f"INSERT INTO {table} (name, amount) VALUES (%s, 0)", [name], undo_with=(f"DELETE FROM {table}", []))


def test_task_sees_only_its_tenants_data(things, celery_worker_process, tenant_a, tenant_b):
    result_a = send_to_tenant(count_things, tenant_a).get(timeout=TIMEOUT)
    result_b = send_to_tenant(count_things, tenant_b).get(timeout=TIMEOUT)
    assert result_a == {"schema": tenant_a.schema_name, "names": ["a-thing"]}
    assert result_b == {"schema": tenant_b.schema_name, "names": ["b-thing"]}


def test_tenant_task_without_header_is_refused(celery_worker_process):
    # A plain Celery client (not tenant-aware) sends no `_schema_name` header at all.
    bare = Celery(broker=settings.CELERY_BROKER_URL, backend=settings.CELERY_RESULT_BACKEND)
    result = bare.send_task("dummy.count_things", queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    with pytest.raises(TenantRequired):
        result.get(timeout=TIMEOUT)
    assert result.state == "FAILURE"


def test_tenant_task_sent_from_public_schema_is_refused(celery_worker_process, db):
    connection.set_schema_to_public()
    result = count_things.delay()  # the tenant-aware app stamps "public": still no tenant
    with pytest.raises(TenantRequired):
        result.get(timeout=TIMEOUT)


def test_tenant_task_for_unknown_schema_is_refused(celery_worker_process):
    result = count_things.apply_async(headers={"_schema_name": "t_does_not_exist"})
    with pytest.raises(Exception) as err:
        result.get(timeout=TIMEOUT)
    assert err.type.__name__ in {"TenantRequired", "DoesNotExist", "TenantDoesNotExist"}


def test_shared_task_and_stdlib_platform_in_worker(celery_worker_process):
    reply = ping.delay().get(timeout=TIMEOUT)
    assert reply == {"pong": True, "platform": platform.system(), "schema": "public"}


def test_dispatcher_fans_out_to_tenants_with_the_plugin(committed, celery_worker_process, tenant_a, tenant_b):
    import time
    import uuid

    from tenants.models import PluginActivation

    table = PluginActivation._meta.db_table
    committed(
        f"INSERT INTO public.{table} (tenant_id, plugin, is_active, config, changed_at) "
        "VALUES (%s, 'dummy', true, '{}', now())",
        [tenant_a.pk],
        undo_with=(f"DELETE FROM public.{table} WHERE tenant_id = %s AND plugin = 'dummy'", [tenant_a.pk]),
    )
    assert not committed(f"SELECT 1 FROM public.{table} WHERE plugin = 'dummy' AND is_active AND tenant_id <> %s",
                         [tenant_a.pk])  # fmt: skip
    mark = f"fanned-{uuid.uuid4().hex[:8]}"
    where = {}
    for tenant in (tenant_a, tenant_b):
        things = f'"{tenant.schema_name}".dummy_plugin_thing'
        where[tenant.schema_name] = f"SELECT name FROM {things} WHERE name LIKE %s"
        committed("SELECT 1", undo_with=(f"DELETE FROM {things} WHERE name LIKE %s", [f"{mark}:%"]))
    sent = dispatch_to_tenants.delay("dummy.count_things", plugin="dummy", kwargs={"mark": mark}).get(timeout=TIMEOUT)
    assert sent == 1
    # Where the task really ran: its mark is in tenant A's schema, named after the schema it saw, and nowhere else.
    deadline = time.monotonic() + TIMEOUT
    while not committed(where[tenant_a.schema_name], [f"{mark}:%"]):
        assert time.monotonic() < deadline, "the fanned-out task never ran in tenant A"
        time.sleep(0.1)
    assert committed(where[tenant_a.schema_name], [f"{mark}:%"]) == [(f"{mark}:{tenant_a.schema_name}",)]
    assert committed(where[tenant_b.schema_name], [f"{mark}:%"]) == []


def test_tenant_task_refused_in_process_too(db):
    connection.set_schema_to_public()
    with pytest.raises(TenantRequired):
        count_things.apply().get()


def test_worker_settings_are_safe():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_time_limit < conf.broker_transport_options["visibility_timeout"]
    assert conf.task_soft_time_limit < conf.task_time_limit
