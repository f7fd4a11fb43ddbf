"""The plugin contract, tested through tests/dummy_plugin, which uses every hook."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import schema_context

from core.plugins import PluginConfig, active_plugin_slugs, metrics_for, registry
from tenants.models import PluginActivation
from tenants.services import set_plugin_active
from worker.beat import build_beat_schedule


@pytest.fixture
def dummy_on_a(tenant_a, persona):
    set_plugin_active(persona("alice"), tenant_a, "dummy", True)
    return tenant_a


def test_registry_loads_the_plugin_and_its_resources():
    cfg = registry.get("dummy")
    assert isinstance(cfg, PluginConfig)
    assert (cfg.version, cfg.min_platform_version, cfg.max_platform_version) == ("1.2.3", "0.1.0", "0.9.0")
    assert cfg.settings == {"greeting": "hello"}  # PLUGIN_SETTINGS overrides the default
    assert [item.url_name for item in cfg.menu_items] == ["things"]
    assert cfg.grants["station_staff"] == {"dummy.view_things"}
    assert [m.name for m in cfg.metrics] == ["dummy.things"]
    assert [p.task for p in cfg.periodic_tasks] == ["dummy.count_things"]
    assert cfg.api_urlpatterns and cfg.page_urlpatterns


def test_version_bounds_are_enforced(settings):
    cfg = registry.get("dummy")
    settings.PLATFORM_VERSION = "1.0.0"
    with pytest.raises(ImproperlyConfigured, match="supports platform"):
        cfg.check_platform_version()
    settings.PLATFORM_VERSION = "0.0.9"
    with pytest.raises(ImproperlyConfigured, match="needs platform"):
        cfg.check_platform_version()


def test_required_settings_are_enforced(monkeypatch):
    cfg = registry.get("dummy")
    monkeypatch.setattr(type(cfg), "required_settings", ("api_key",))
    with pytest.raises(ImproperlyConfigured, match="api_key"):
        cfg.validate_settings()


def test_inactive_plugin_answers_404(tenant_a, tenant_b, persona, api_for, client_for):
    alice = persona("alice")
    assert "dummy" not in active_plugin_slugs(tenant_a)
    assert api_for(tenant_a, alice).get("/api/plugins/dummy/things/").status_code == 404
    assert client_for(tenant_a, alice).get("/plugins/dummy/things/").status_code == 404


def test_active_plugin_serves_only_its_tenant(dummy_on_a, tenant_b, persona, api_for, client_for):
    from tests.dummy_plugin.models import Thing

    with schema_context(dummy_on_a.schema_name):
        Thing.objects.create(name="a-thing")
    with schema_context(tenant_b.schema_name):
        Thing.objects.create(name="b-thing")
    api = api_for(dummy_on_a, persona("amy"))  # station staff: granted dummy.view_things by the plugin
    rows = api.get("/api/plugins/dummy/things/").json()["results"]
    assert [row["name"] for row in rows] == ["a-thing"]
    assert api.post("/api/plugins/dummy/things/", {"name": "x"}).status_code == 403  # not granted to staff
    assert client_for(dummy_on_a, persona("amy")).get("/plugins/dummy/things/").content == b"a-thing"
    # Active on A only: B's admin gets 404, and A's users are strangers on B.
    assert api_for(tenant_b, persona("bob")).get("/api/plugins/dummy/things/").status_code == 404


def test_menu_items_follow_activation_and_permission(dummy_on_a, tenant_b, persona, client_for):
    def labels(tenant, user):
        response = client_for(tenant, user).get("/")
        return [entry.label for entry in response.context["navigation"]]

    assert "Dummy things" in labels(dummy_on_a, persona("amy"))
    assert "Dummy things" not in labels(tenant_b, persona("bob"))
    assert "Members" not in labels(dummy_on_a, persona("amy")) and "成员" not in labels(dummy_on_a, persona("amy"))


def test_metrics_only_from_active_plugins(dummy_on_a, tenant_b):
    assert "dummy.things" in [m.name for m in metrics_for(dummy_on_a)]
    assert "dummy.things" not in [m.name for m in metrics_for(tenant_b)]
    with schema_context(dummy_on_a.schema_name):
        metric = next(m for m in metrics_for(dummy_on_a) if m.name == "dummy.things")
        assert list(metric.compute(dummy_on_a, None)) == [({}, 0)]


def test_grants_follow_activation(dummy_on_a, tenant_b, persona):
    from core.access import permissions_for

    assert "dummy.view_things" in permissions_for(persona("amy"), dummy_on_a)
    assert "dummy.manage_things" in permissions_for(persona("alice"), dummy_on_a)  # admins get all plugin perms
    assert "dummy.view_things" not in permissions_for(persona("bob"), tenant_b)


def test_beat_schedule_includes_plugin_tasks():
    entry = build_beat_schedule()["plugin:dummy:count-things"]
    assert entry["task"] == "worker.dispatch_to_tenants"
    assert entry["kwargs"]["task_name"] == "dummy.count_things" and entry["kwargs"]["plugin"] == "dummy"


def test_tenant_admin_switches_plugins_in_pages_and_api(tenant_a, tenant_b, persona, client_for, api_for):
    page = client_for(tenant_a, persona("alice"))
    assert page.post("/plugins/", {"plugin": "dummy", "active": "1"}).status_code == 302
    assert PluginActivation.objects.get(tenant=tenant_a, plugin="dummy").is_active
    api = api_for(tenant_b, persona("bob"))
    assert api.patch("/api/plugin-activations/dummy/", {"is_active": True}, format="json").status_code == 200
    assert {row["slug"]: row["is_active"] for row in api.get("/api/plugin-activations/").json()}["dummy"]
    assert api.patch("/api/plugin-activations/nope/", {"is_active": True}, format="json").status_code == 404
    staff = api_for(tenant_a, persona("amy"))
    assert staff.patch("/api/plugin-activations/dummy/", {"is_active": False}, format="json").status_code == 403


def test_entry_point_plugins_are_discovered(tmp_path):
    """Third-party plugins announce themselves in the `bangfu.plugins` entry-point group: a real installed
    distribution (a `*.dist-info` with METADATA and entry_points.txt, on the path of a fresh interpreter) is found
    by the real discovery in core.settings, and its entry point of another group is not."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    dist_info = tmp_path / "acme_bangfu_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-bangfu-plugin\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[bangfu.plugins]\nacme = acme_bangfu_plugin\n\n[bangfu.other]\nelse = acme_not_a_plugin\n"
    )
    code = "import json, core.settings as s; print(json.dumps({'plugins': s.PLUGINS, 'tenant_apps': s.TENANT_APPS}))"
    root = django_settings.REPO_DIR
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root / "platform"), str(root)])}
    env.pop("BANGFU_PLUGINS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert "acme_bangfu_plugin" in found["plugins"] and "acme_bangfu_plugin" in found["tenant_apps"]
    assert "acme_not_a_plugin" not in found["plugins"] and "acme_not_a_plugin" not in found["tenant_apps"]
    # Without the distribution on the path, the same interpreter finds no such plugin (the finding came from it).
    env["PYTHONPATH"] = os.pathsep.join([str(root / "platform"), str(root)])
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "acme_bangfu_plugin" not in json.loads(out.stdout.strip().splitlines()[-1])["plugins"]
