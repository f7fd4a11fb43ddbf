"""Who may do what on which tenant: the single place that turns a membership into permissions.

Every check of a tenant-owned action goes through here (Zulip's `access_*` pattern): ``membership_for`` finds the
user's membership on a tenant, ``permissions_for`` unions what the apps *active on that tenant* grant to the
membership's platform role and to the app roles it holds besides (``Membership.app_roles``, e.g.
``legal_aid.coordinator``), and ``require`` raises the same 404 for "not yours" and "does not exist".

An app's grants count only for its own permissions (``<slug>.*``; ``core.checks`` refuses to start otherwise),
so no plugin can hand out a core permission such as ``dossiers.view_id_number``.
"""

from __future__ import annotations

from django.apps import apps
from django.http import Http404

from core.plugins import active_apps, registry


def membership_for(user, tenant):
    """The user's membership on `tenant`, or None (memoised on the user object per tenant)."""
    if tenant is None or user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_bangfu_memberships", {})
    if tenant.pk not in cache:
        membership = apps.get_model("tenants", "Membership")
        cache[tenant.pk] = membership.objects.filter(user_id=user.pk, tenant_id=tenant.pk).first()
    return cache[tenant.pk]


def municipal_only_permissions() -> frozenset[str]:
    return frozenset(perm for cfg in registry.apps() for perm in getattr(cfg, "municipal_only", ()))


def role_permissions(role: str, tenant, app_roles=()) -> frozenset[str]:
    """What a platform role (plus app roles held besides it) may do on `tenant`."""
    perms: set[str] = set()
    for app in active_apps(tenant):
        for key in (role, *app_roles):
            if key == role or app.own(key):
                perms |= {perm for perm in app.grants.get(key, ()) if app.own(perm)}
    if not getattr(tenant, "is_municipal", False):
        perms -= municipal_only_permissions()
    return frozenset(perms)


def active_app_roles(membership, tenant) -> tuple[str, ...]:
    """The app roles of a membership that count on `tenant` (their app is active there)."""
    held = tuple(getattr(membership, "app_roles", None) or ())
    active = {cfg.slug for cfg in active_apps(tenant)}
    return tuple(key for key in held if key.split(".", 1)[0] in active)


def permissions_for(user, tenant) -> frozenset[str]:
    membership = membership_for(user, tenant)
    if membership is None:
        return frozenset()
    return role_permissions(membership.role, tenant, active_app_roles(membership, tenant))


def has_permission(user, tenant, perm: str) -> bool:
    return perm in permissions_for(user, tenant)


def require(user, tenant, perm: str) -> None:
    """Raise 404 unless the user holds `perm` on `tenant` (the same answer whether or not the thing exists)."""
    if not has_permission(user, tenant, perm):
        raise Http404
