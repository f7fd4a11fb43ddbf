"""The layers of the platform hold: no import cycle among its modules, and the acts that cross a layer upwards go
through the platform's signals (a lower app says what happened; the app above follows, per tenant).

``lint-imports`` (run by the test command) checks the layers contract in pyproject.toml; this file runs the cycles
tool, which also follows the imports inside functions that import-linter lets pass.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.dispatch import receiver
from django_tenants.utils import schema_context

from core import signals as core_signals
from dossiers import services as dossiers
from dossiers.models import Dossier
from exchange import services as exchange
from exchange.models import PersonIndex
from tests.factories import filed

ROOT = Path(__file__).resolve().parent.parent
# CI runs in a fresh clone with a copy of shared/ beside it, as the engineers' worktrees have.
CYCLES_TOOL = ROOT.parent / "shared" / "tools" / "import_cycles.py"


def test_no_import_cycle_anywhere():
    if not CYCLES_TOOL.is_file():
        pytest.skip(f"the import-cycles tool is not beside the repository ({CYCLES_TOOL})")
    run = subprocess.run([sys.executable, str(CYCLES_TOOL), str(ROOT)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "0 import cycle(s)", run.stdout


def test_the_layers_are_written_down_with_the_core_at_the_bottom():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = [c for c in contracts["contracts"] if c["type"] == "layers"]
    assert len(layers) == 1
    order = [name.strip() for layer in layers[0]["layers"] for name in layer.split("|")]
    assert order[0] == "plugins" and order[-1] == "core"
    assert set(order) == set(contracts["root_packages"])  # every top-level package has its place


def test_the_exchange_follows_a_dossier_through_the_signal(standards, tenant_a, tenant_b, persona):
    # The same household filed in both unions: the exchange indexes each under its own tenant and flags both.
    in_a = filed(tenant_a, persona("alice"))
    in_b = filed(tenant_b, persona("bob"))
    assert PersonIndex.objects.filter(tenant_id=tenant_a.pk, dossier_id=in_a.pk).exists()
    assert PersonIndex.objects.filter(tenant_id=tenant_b.pk, dossier_id=in_b.pk).exists()
    assert exchange.duplicate_count(tenant_b, in_b.pk) == 1
    with schema_context(tenant_a.schema_name):
        dossiers.transition(persona("alice"), tenant_a, in_a.pk, to_status="cancelled", reason="重复建档")
    # A's cancelled dossier left the index; B's stays, no longer flagged.
    assert not PersonIndex.objects.filter(tenant_id=tenant_a.pk, dossier_id=in_a.pk).exists()
    assert PersonIndex.objects.filter(tenant_id=tenant_b.pk, dossier_id=in_b.pk).exists()
    assert exchange.duplicate_count(tenant_b, in_b.pk) == 0


def test_a_transfer_is_announced_to_the_sender_only(standards, tenant_a, tenant_b, persona):
    heard = []

    @receiver(core_signals.dossier_transferred, dispatch_uid="test_layers_transfer")
    def note(sender, *, tenant, to_tenant, old_id, new_id, actor, **_named):
        # Sent while the sender's rows still exist, in the sender's schema.
        heard.append((tenant.pk, to_tenant.pk, old_id, new_id, Dossier.objects.filter(pk=old_id).exists()))

    try:
        dossier = filed(tenant_a, persona("alice"))
        with schema_context(tenant_a.schema_name):
            transfer = exchange.transfer_dossier(persona("alice"), tenant_a, dossier.pk, to_tenant=tenant_b,
                                                 reason="职工调往乙县工作")  # fmt: skip
    finally:
        core_signals.dossier_transferred.disconnect(dispatch_uid="test_layers_transfer")
    assert heard == [(tenant_a.pk, tenant_b.pk, dossier.pk, transfer.to_dossier_id, True)]


def test_the_tenants_app_declares_its_pages_at_the_root(tenant_a, tenant_b, municipal, persona, client_for, api_for):
    from django.urls import reverse

    from core.plugins import registry

    tenants_app, core_app = registry.get_app("tenants"), registry.get_app("core")
    assert (tenants_app.url_prefix, tenants_app.url_namespace) == ("", None)
    assert [item.url_name for item in tenants_app.menu_items] == ["members", "plugins", "tenant-list"]
    assert not {"members", "plugins", "tenant-list"} & {item.url_name for item in core_app.menu_items}
    assert (reverse("members"), reverse("plugins"), reverse("tenant-list")) == ("/members/", "/plugins/", "/tenants/")
    # Mounted through the registry, the pages and the API still show each union only its own members.
    page = client_for(tenant_a, persona("alice")).get("/members/")
    assert page.status_code == 200 and "alice" in page.text and "bob" not in page.text
    assert 'href="/members/"' in page.text  # the menu item, declared by the tenants app
    names = [row["username"] for row in api_for(tenant_b, persona("bob")).get("/api/members/").json()["results"]]
    assert "bob" in names and "alice" not in names
    assert client_for(tenant_b, persona("alice")).get("/members/").status_code in (302, 403, 404)
    # The city's menu leads to the tenants page, not to the API's list of the same name it once shadowed.
    home = client_for(municipal, persona("mayor")).get("/")
    assert 'href="/tenants/"' in home.text and 'href="/api/tenants/"' not in home.text
