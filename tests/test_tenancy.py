"""Tenancy: provisioning by cloning, atomic creation, host routing and tenant-scoped cache keys."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Domain, Membership, PluginActivation, Tenant
from tenants.provisioning import provision_tenant, schema_is_current, template_schema


def tables_in(schema):
    with connection.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cur.fetchall()}


def test_tenant_is_cloned_from_template_with_its_migrations(municipal, persona):
    admin = persona("alice")
    tenant = provision_tenant(
        name="丙县总工会", short_code="tenantc", kind="county", parent=municipal, admin=admin, plugins=["dummy"]
    )
    assert schema_exists(tenant.schema_name)
    assert tables_in(tenant.schema_name) == tables_in(template_schema())
    assert "dummy_plugin_thing" in tables_in(tenant.schema_name)
    assert schema_is_current(tenant.schema_name)  # the template's migration records came along
    assert Domain.objects.get(tenant=tenant).domain == "tenantc.localhost"
    assert Membership.objects.get(tenant=tenant, user=admin).role == "tenant_admin"
    assert PluginActivation.objects.get(tenant=tenant).plugin == "dummy"


def test_failed_creation_leaves_nothing_behind(municipal):
    with pytest.raises(RuntimeError):
        provision_tenant(name="失败县", short_code="failing", kind="county", parent=municipal, _fail_after_clone=True)
    assert not Tenant.objects.filter(short_code="failing").exists()
    assert not Domain.objects.filter(domain__startswith="failing.").exists()
    assert not schema_exists(Tenant.schema_for("failing"))


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"short_code": "Bad Code"}, "short_code"),
        ({"short_code": "tenanta"}, "short_code"),  # taken
        ({"kind": "municipal", "parent": None}, "kind"),  # there is one municipal union
        ({"parent": None}, "parent"),  # a county hangs under the municipal union
        ({"division_code": "12ab"}, "division_code"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_requests_name_the_field(municipal, fields, bad_field):
    request = {"name": "丁县总工会", "short_code": "tenantd", "kind": "county", "parent": municipal, **fields}
    with pytest.raises(ValidationError) as err:
        provision_tenant(**request)
    assert bad_field in err.value.message_dict
    assert not schema_exists(Tenant.schema_for(request["short_code"])) or request["short_code"] == "tenanta"


def test_county_must_hang_under_the_municipal_union(tenant_a):
    with pytest.raises(ValidationError) as err:
        provision_tenant(name="错误县", short_code="wrongparent", kind="county", parent=tenant_a)
    assert "parent" in err.value.message_dict


def test_management_command_creates_a_tenant(municipal, capsys):
    call_command("provision_tenant", "tenante", "戊县总工会", "--parent", municipal.short_code, "--admin", "erin")
    tenant = Tenant.objects.get(short_code="tenante")
    assert schema_exists(tenant.schema_name)
    assert Membership.objects.filter(tenant=tenant, user__username="erin", role="tenant_admin").exists()
    with pytest.raises(CommandError, match="short_code"):
        call_command("provision_tenant", "tenante", "重复", "--parent", municipal.short_code)


def test_tenant_schemas_hold_their_own_rows(tenant_a, tenant_b):
    from tests.dummy_plugin.models import Thing

    with schema_context(tenant_a.schema_name):
        Thing.objects.create(name="a-thing")
    with schema_context(tenant_b.schema_name):
        Thing.objects.create(name="b-thing")
        assert list(Thing.objects.values_list("name", flat=True)) == ["b-thing"]
    with schema_context(tenant_a.schema_name):
        assert list(Thing.objects.values_list("name", flat=True)) == ["a-thing"]


def test_cache_keys_carry_the_tenant(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        cache.set("secret", "a's value", 30)
        assert cache.get("secret") == "a's value"
        key = cache.make_key("secret")
    with schema_context(tenant_b.schema_name):
        assert cache.get("secret") is None
        assert cache.make_key("secret") != key
    assert tenant_a.schema_name in key
    with schema_context(tenant_a.schema_name):
        cache.delete("secret")


def test_host_routing(client, tenant_a, tenant_b):
    assert client.get("/", HTTP_HOST="tenanta.localhost").status_code == 302  # to the login page
    page = client.get("/accounts/login/", HTTP_HOST="tenantb.localhost")
    assert "乙县总工会" in page.content.decode()
    assert "甲县总工会" not in page.content.decode()
    assert client.get("/", HTTP_HOST="nosuchtenant.localhost").status_code == 404
    assert client.get("/", HTTP_HOST="localhost").status_code == 200  # the public landing page


def test_inactive_tenant_is_not_served(client, tenant_b):
    Tenant.objects.filter(pk=tenant_b.pk).update(is_active=False)
    assert client.get("/accounts/login/", HTTP_HOST="tenantb.localhost").status_code == 404
