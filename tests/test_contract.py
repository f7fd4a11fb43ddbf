"""The app contract's hooks, tested through tests/dummy_plugin with two tenants: the plugin is active on A only.

Each hook shows its effect on A and none on B: signals, install/uninstall, per-tenant settings, roles and
permissions, routes behind login; a broken declaration fails the system check; and the core's own apps come
through the very loader a plugin does.
"""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django_tenants.utils import schema_context

from core.access import role_permissions
from core.checks import apps_keep_the_contract
from core.plugins import BangfuAppConfig, MenuItem, PluginConfig, registry, tenants_where_active
from tenants.services import save_plugin_settings, set_plugin_active
from tests.factories import filed


@pytest.fixture
def dummy_on_a(tenant_a, persona):
    set_plugin_active(persona("alice"), tenant_a, "dummy", True)
    return tenant_a


def hook_calls(tenant, hook=None):
    from tests.dummy_plugin.models import HookCall

    with schema_context(tenant.schema_name):
        calls = HookCall.objects.order_by("id")
        return list((calls.filter(hook=hook) if hook else calls).values_list("hook", "detail"))


def test_install_and_uninstall_run_once_per_switch(tenant_a, tenant_b, persona):
    alice = persona("alice")
    for _ in range(2):
        set_plugin_active(alice, tenant_a, "dummy", True)
    assert hook_calls(tenant_a) == [("installed", "")]
    for _ in range(2):
        set_plugin_active(alice, tenant_a, "dummy", False)
    assert hook_calls(tenant_a) == [("installed", ""), ("uninstalled", "")]
    set_plugin_active(alice, tenant_a, "dummy", True)
    assert [hook for hook, _detail in hook_calls(tenant_a)] == ["installed", "uninstalled", "installed"]
    assert hook_calls(tenant_b) == []


def test_a_switch_marks_the_tenants_figures_for_computing(
    tenant_a, tenant_b, persona, django_capture_on_commit_callbacks
):
    from rollups.models import DirtyPeriod

    with django_capture_on_commit_callbacks(execute=True):
        set_plugin_active(persona("alice"), tenant_a, "dummy", True)
    assert DirtyPeriod.objects.filter(tenant_id=tenant_a.pk).exists()
    assert not DirtyPeriod.objects.filter(tenant_id=tenant_b.pk).exists()


def test_event_signals_reach_only_tenants_where_the_plugin_is_active(standards, dummy_on_a, tenant_b, persona):
    dossier_a = filed(dummy_on_a, persona("alice"))
    filed(tenant_b, persona("bob"))
    assert hook_calls(dummy_on_a, "dossier_filed") == [("dossier_filed", str(dossier_a.pk))]
    assert hook_calls(tenant_b, "dossier_filed") == []


def test_page_signals_reach_only_tenants_where_the_plugin_is_active(
    standards, dummy_on_a, tenant_b, persona, client_for
):
    from tests.dummy_plugin.models import Thing

    for tenant in (dummy_on_a, tenant_b):
        with schema_context(tenant.schema_name):
            Thing.objects.create(name="to look at")
    dossier_a = filed(dummy_on_a, persona("alice"))
    dossier_b = filed(tenant_b, persona("bob"))
    page_a = client_for(dummy_on_a, persona("alice"))
    page_b = client_for(tenant_b, persona("bob"))
    home_a, home_b = page_a.get("/").content.decode(), page_b.get("/").content.decode()
    assert "Dummy things to look at" in home_a and "Dummy things (Excel)" in home_a
    assert "Dummy things to look at" not in home_b and "Dummy things (Excel)" not in home_b
    assert f"things of dossier {dossier_a.pk}" in page_a.get(f"/dossiers/{dossier_a.pk}/").content.decode()
    assert "Dummy panel" not in page_b.get(f"/dossiers/{dossier_b.pk}/").content.decode()


def test_settings_are_validated_and_kept_per_tenant(dummy_on_a, tenant_b, persona, client_for):
    plugin = registry.get("dummy")
    assert plugin.settings_for(dummy_on_a) == {"greeting": "hello", "max_things": 10}  # installation + form
    saved = save_plugin_settings(persona("alice"), dummy_on_a, "dummy", {"greeting": "嗨", "max_things": "5"})
    assert saved == {"greeting": "嗨", "max_things": 5}
    assert plugin.settings_for(dummy_on_a) == {"greeting": "嗨", "max_things": 5}
    assert plugin.settings_for(tenant_b) == {"greeting": "hello", "max_things": 10}
    with pytest.raises(ValidationError) as refused:
        save_plugin_settings(persona("alice"), dummy_on_a, "dummy", {"greeting": "嗨", "max_things": "0"})
    assert set(refused.value.message_dict) == {"max_things"}
    assert plugin.settings_for(dummy_on_a)["max_things"] == 5  # nothing half-written
    # The plugin page shows the form to the tenant admin and refuses bad values with the field's error.
    page = client_for(dummy_on_a, persona("alice"))
    assert 'name="dummy-max_things"' in page.get("/plugins/").content.decode()
    bad = page.post(
        "/plugins/", {"plugin": "dummy", "action": "settings", "dummy-greeting": "x", "dummy-max_things": "500"}
    )
    assert bad.status_code == 400 and bad.context["rows"][0][2].errors["max_things"]
    good = page.post(
        "/plugins/", {"plugin": "dummy", "action": "settings", "dummy-greeting": "早", "dummy-max_things": "7"}
    )
    assert good.status_code == 302
    assert plugin.settings_for(dummy_on_a) == {"greeting": "早", "max_things": 7}
    # B's admin has no settings form for a plugin that is not active there.
    assert 'name="dummy-max_things"' not in client_for(tenant_b, persona("bob")).get("/plugins/").content.decode()


def test_plugin_roles_and_permissions_exist_only_where_it_is_active(dummy_on_a, tenant_b):
    keeper_a = role_permissions("viewer", dummy_on_a, app_roles=("dummy.keeper",))
    assert {"dummy.view_things", "dummy.keep_things"} <= keeper_a
    keeper_b = role_permissions("viewer", tenant_b, app_roles=("dummy.keeper",))
    assert not {p for p in keeper_b if p.startswith("dummy.")}
    assert "dummy.keeper" in registry.role_keys()


def test_a_plugin_cannot_grant_a_core_permission(dummy_on_a, monkeypatch):
    plugin = registry.get("dummy")
    monkeypatch.setitem(plugin.grants, "viewer", frozenset({"dummy.view_things", "dossiers.view_id_number"}))
    assert "dossiers.view_id_number" not in role_permissions("viewer", dummy_on_a)
    errors = [e for e in apps_keep_the_contract(None) if e.id == "bangfu.E010"]
    assert any("dossiers.view_id_number" in e.msg for e in errors)


def test_a_menu_item_that_does_not_resolve_fails_the_system_check(monkeypatch):
    assert apps_keep_the_contract(None) == []
    plugin = registry.get("dummy")
    monkeypatch.setattr(
        plugin, "menu_items", [*plugin.menu_items, MenuItem("Broken", "no-such-page", "dummy.view_things")]
    )
    errors = apps_keep_the_contract(None)
    assert [e.id for e in errors] == ["bangfu.E011"] and "no-such-page" in errors[0].msg


def test_version_bounds_are_pep_440(settings):
    plugin = registry.get("dummy")  # runs on 0.1.0 … 0.9.0
    settings.PLATFORM_VERSION = "0.9.0rc1"  # a release candidate of 0.9.0 comes before it
    plugin.check_platform_version()
    settings.PLATFORM_VERSION = "0.9.1.dev0"
    with pytest.raises(ImproperlyConfigured, match="supports platform"):
        plugin.check_platform_version()
    settings.PLATFORM_VERSION = "0.1.0a1"
    with pytest.raises(ImproperlyConfigured, match="needs platform"):
        plugin.check_platform_version()


def test_plugin_routes_need_a_member_and_answer_404_where_inactive(dummy_on_a, tenant_b, persona, api_for, client_for):
    anonymous = client_for(dummy_on_a)
    page = anonymous.get("/plugins/dummy/things/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    api = api_for(dummy_on_a).get("/api/plugins/dummy/things/")
    assert api.status_code == 401
    # A member of B is a stranger on A: the same answers as for anyone anonymous.
    assert api_for(dummy_on_a, persona("bob")).get("/api/plugins/dummy/things/").status_code == 401
    assert client_for(dummy_on_a, persona("bob")).get("/plugins/dummy/things/").status_code == 302
    for user in (None, persona("bob")):
        assert client_for(tenant_b, user).get("/plugins/dummy/things/").status_code == 404
        assert api_for(tenant_b, user).get("/api/plugins/dummy/things/").status_code == 404
    assert client_for(dummy_on_a, persona("amy")).get("/plugins/dummy/things/").status_code == 200


def test_periodic_work_goes_only_where_the_app_is_active(dummy_on_a, tenant_b):
    from tenants.models import Tenant

    where = set(tenants_where_active(registry.get("dummy"), Tenant.objects.all()).values_list("pk", flat=True))
    assert dummy_on_a.pk in where and tenant_b.pk not in where
    stations = registry.get_app("stations")
    assert tenant_b.pk in set(tenants_where_active(stations, Tenant.objects.all()).values_list("pk", flat=True))


CORE_APPS = ["core", "stations", "dossiers", "exchange", "assessment", "rollups"]


@pytest.mark.parametrize("slug", CORE_APPS)
def test_each_core_app_comes_through_the_plugin_loader(slug):
    """A core app's resources are exactly what its modules declare, loaded by the code that loads a plugin's."""
    app = registry.get_app(slug)
    assert isinstance(app, BangfuAppConfig) and not isinstance(app, PluginConfig)
    assert type(app).load_resources is BangfuAppConfig.load_resources is PluginConfig.load_resources
    expected = {
        "navigation": ("menu_items", "menu_items"),
        "permissions": ("grants", "grants"),
        "rollups": ("metrics", "metrics"),
    }
    for module_name, (attribute, declared) in expected.items():
        try:
            module = importlib.import_module(f"{app.name}.{module_name}")
        except ModuleNotFoundError:
            assert not getattr(app, attribute), f"{slug}.{attribute} without a {module_name} module"
            continue
        value = getattr(module, declared)
        loaded = getattr(app, attribute)
        if attribute == "grants":
            assert loaded == {str(role): frozenset(perms) for role, perms in value.items()}
        else:
            assert loaded == list(value)
    for perm in app.permissions:
        assert perm.startswith(f"{slug}."), f"{slug} declares {perm}: outside its namespace"
    for role, perms in app.grants.items():
        assert all(perm.startswith(f"{slug}.") for perm in perms), f"{slug} grants another app's permission"


def test_the_core_holds_no_domain_knowledge():
    from core.roles import Perm

    core = registry.get_app("core")
    assert all(perm.startswith("core.") for perm in core.declared_permissions)
    constants = {value for name, value in vars(Perm).items() if name.isupper()}
    assert constants and all(perm.startswith("core.") for perm in constants)  # no stations or dossiers permission
    assert all(metric.name.startswith("core.") for metric in core.metrics)
    domain_urls = [item.url_name for item in core.menu_items if ":" in item.url_name and "admin" not in item.url_name]
    assert domain_urls == []
    assert registry.get_app("stations").demo_seed is not None and registry.get_app("dossiers").demo_seed is not None


def test_station_and_unit_panels_reach_only_tenants_where_the_plugin_is_active(
    dummy_on_a, tenant_b, persona, client_for
):
    from core.people.models import Unit
    from stations.models import Station

    pages = {}
    for tenant, admin in ((dummy_on_a, "alice"), (tenant_b, "bob")):
        with schema_context(tenant.schema_name):
            unit = Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name="甲乙公司", employee_count=10)
            station = Station.objects.create(unit=unit, kind=Station.Kind.OWN, name="甲乙公司工会帮扶服务站",
                                             established_on="2020-01-01")  # fmt: skip
        client = client_for(tenant, persona(admin))
        pages[tenant.pk] = (
            client.get(f"/stations/{station.pk}/").content.decode(),
            client.get(f"/stations/units/{unit.pk}/edit/").content.decode(),
            station.pk,
            unit.pk,
        )
    station_a, unit_a, station_id, unit_id = pages[dummy_on_a.pk]
    assert f"things of station {station_id}" in station_a and f"things of unit {unit_id}" in unit_a
    station_b, unit_b, _s, _u = pages[tenant_b.pk]
    assert "Dummy station panel" not in station_b and "Dummy unit panel" not in unit_b


def test_module_roles_are_given_on_the_members_api_and_page_only_where_the_module_is_active(
    dummy_on_a, tenant_b, persona, api_for, client_for
):
    from core.access import permissions_for
    from tenants.models import Membership
    from tests.factories import add_member

    amy = persona("amy")
    membership = Membership.objects.get(user=amy, tenant=dummy_on_a)
    api = api_for(dummy_on_a, persona("alice"))
    body = {"role": "station_staff", "app_roles": ["dummy.keeper"]}
    answer = api.patch(f"/api/members/{membership.pk}/", body, format="json")
    assert answer.status_code == 200 and answer.json()["app_roles"] == ["dummy.keeper"]
    amy = persona("amy")  # a fresh object: memberships are memoised per user object
    assert "dummy.keep_things" in permissions_for(amy, dummy_on_a)
    # An unknown role, or the role of a module B has not switched on, is refused on the field.
    bert = add_member(tenant_b, "bert", "station_staff")
    on_b = Membership.objects.get(user=bert, tenant=tenant_b)
    refused = api_for(tenant_b, persona("bob")).patch(f"/api/members/{on_b.pk}/", body, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "app_roles"
    assert Membership.objects.get(pk=on_b.pk).app_roles == []
    # The members page offers the module's roles on A only.
    assert 'value="dummy.keeper"' in client_for(dummy_on_a, persona("alice")).get("/members/").content.decode()
    assert 'value="dummy.keeper"' not in client_for(tenant_b, persona("bob")).get("/members/").content.decode()
    # Switched off, the role stays recorded but grants nothing.
    set_plugin_active(persona("alice"), dummy_on_a, "dummy", False)
    assert not {p for p in permissions_for(persona("amy"), dummy_on_a) if p.startswith("dummy.")}


def _things_upload(rows):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["名称", "金额", "持有人姓名", "持有人身份证号"])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("things.xlsx", buffer.getvalue(), content_type="application/octet-stream")


def test_the_dummy_plugin_builds_on_the_core_kits(dummy_on_a, tenant_b, persona, api_for, client_for):
    """Import kit, person record, personal-data masking, core.scope and the list page, through the plugin."""
    from core.people.models import Person, Unit
    from tenants.models import Membership
    from tests.checkdigits import resident_id_check
    from tests.dummy_plugin.models import Thing

    body = "51110219800101123"
    number = body + resident_id_check(body)
    wrong = body + ("0" if resident_id_check(body) != "0" else "1")
    api = api_for(dummy_on_a, persona("alice"))
    # One bad row (a wrong check character): nothing is written, the row is named and the number masked.
    url = "/api/plugins/dummy/things/import/"
    bad = api.post(url, {"file": _things_upload([["锤子", "5", "王建国", number], ["钳子", "3", "李秀英", wrong]])})
    assert bad.status_code == 400
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(3, "持有人身份证号")]
    assert wrong not in bad.content.decode()
    with schema_context(dummy_on_a.schema_name):
        assert not Thing.objects.exists() and not Person.objects.exists()
    good = api.post(url, {"file": _things_upload([["锤子", "5", "王建国", number], ["扳手", "2", "王建国", number]])})
    assert good.status_code == 201, good.content
    with schema_context(dummy_on_a.schema_name):
        owners = set(Thing.objects.values_list("owner_id", flat=True))
        assert len(owners) == 1 and Person.objects.count() == 1  # one person, however many things
        unit = Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name="甲企业", employee_count=5)
        Thing.objects.filter(name="扳手").update(unit=unit)
    with schema_context(tenant_b.schema_name):
        assert not Thing.objects.exists() and not Person.objects.exists()
    assert api_for(tenant_b, persona("bob")).post("/api/plugins/dummy/things/import/", {}).status_code == 404
    # The list page of the kit: filtered and counted; core.scope: a member scoped to the unit sees its thing only.
    page = client_for(dummy_on_a, persona("alice"))
    assert page.get("/plugins/dummy/things/", {"name": "锤"}).content.decode() == "锤子"
    Membership.objects.filter(user=persona("amy"), tenant=dummy_on_a).update(unit_id=unit.pk)
    assert client_for(dummy_on_a, persona("amy")).get("/plugins/dummy/things/").content.decode() == "扳手"
    rows = api_for(dummy_on_a, persona("amy")).get("/api/plugins/dummy/things/").json()["results"]
    assert [row["name"] for row in rows] == ["扳手"]
    assert "dummy.things" in registry.get("dummy").consent_categories
