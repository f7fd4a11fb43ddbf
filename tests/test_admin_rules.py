"""The per-tenant Django admin cannot go around the rules of the shared tables (issue 16): members and plugin
activations are read-only there; the members and plugins pages (tenants.services) change them."""

import json

from django.forms.models import model_to_dict

from core.admin import tenant_admin_site
from core.tenancy import tenant_app_labels
from tenants.models import Membership, PluginActivation

# Values that break a rule of each shared table if a change form saved them: the last administrator demoted, a unit
# scope of no unit of the tenant, a plugin switched off without its hooks, settings nobody validated.
HOSTILE = {
    "role": "viewer",
    "unit_id": "999999",
    "is_active": "",
    "config": json.dumps({"unchecked": True}),
    "plugin": "no-such-plugin",
    "tenant": "",
    "user": "",
    "_save": "Save",
}


def _shared_models():
    return [model for model in tenant_admin_site._registry if model._meta.app_label not in tenant_app_labels()]


def test_every_shared_change_form_refuses_a_post(tenant_a, tenant_b, persona, client_for):
    PluginActivation.objects.get_or_create(tenant=tenant_a, plugin="dummy", defaults={"is_active": True})
    PluginActivation.objects.get_or_create(tenant=tenant_b, plugin="dummy", defaults={"is_active": True})
    admin = client_for(tenant_a, persona("alice"))
    shared = _shared_models()
    assert {Membership, PluginActivation} <= set(shared)
    for model in shared:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        rows = list(model.objects.filter(tenant=tenant_a))
        assert rows, f"no row of {opts.label} on tenant A to try"
        before = {row.pk: model_to_dict(row) for row in model.objects.all()}
        for row in rows:
            assert admin.get(f"{base}{row.pk}/change/").status_code == 200  # still readable
            assert admin.post(f"{base}{row.pk}/change/", HOSTILE).status_code == 403, opts.label
            assert admin.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403, opts.label
        assert admin.post(f"{base}add/", HOSTILE).status_code == 403, opts.label
        ids = [str(row.pk) for row in rows]
        admin.post(base, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
        assert {row.pk: model_to_dict(row) for row in model.objects.all()} == before, opts.label
        # Tenant B's rows are not even readable from A's admin.
        for foreign in model.objects.filter(tenant=tenant_b):
            assert admin.get(f"{base}{foreign.pk}/change/").status_code in (302, 404)
            assert admin.post(f"{base}{foreign.pk}/change/", HOSTILE).status_code in (302, 403, 404)
    assert Membership.objects.get(user__username="alice", tenant=tenant_a).role == "tenant_admin"
    assert Membership.objects.get(user__username="bob", tenant=tenant_b).role == "tenant_admin"


def test_admin_login_is_the_tenants_own_login_page(tenant_a, client_for):
    from tests.conftest import PASSWORD

    client = client_for(tenant_a)
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    # A POST with the right password authenticates nothing there: no session skips the throttle or second factor.
    posted = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
