"""Who may do what on which tenant: the single place that turns a membership into permissions.

Every check of a tenant-owned action goes through here (Zulip's `access_*` pattern): ``membership_for`` finds the
user's membership on a tenant, ``permissions_for`` unions the core's role grants with those of the plugins active on
that tenant, and ``require`` raises the same 404 for "not yours" and "does not exist".
"""

from __future__ import annotations

from django.http import Http404

from core.plugins import active_plugins
from core.roles import CORE_GRANTS, MUNICIPAL_ONLY_PERMS, Role


def membership_for(user, tenant):
    """The user's membership on `tenant`, or None (memoised on the user object per tenant)."""
    if tenant is None or user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_bangfu_memberships", {})
    if tenant.pk not in cache:
        from tenants.models import Membership

        cache[tenant.pk] = Membership.objects.filter(user_id=user.pk, tenant_id=tenant.pk).first()
    return cache[tenant.pk]


def role_permissions(role: str, tenant) -> frozenset[str]:
    perms = set(CORE_GRANTS.get(role, ()))
    for plugin in active_plugins(tenant):
        perms |= plugin.grants.get(role, frozenset())
        if role == Role.TENANT_ADMIN:
            perms |= plugin.declared_permissions
    if not getattr(tenant, "is_municipal", False):
        perms -= MUNICIPAL_ONLY_PERMS
    return frozenset(perms)


def permissions_for(user, tenant) -> frozenset[str]:
    membership = membership_for(user, tenant)
    if membership is None:
        return frozenset()
    return role_permissions(membership.role, tenant)


def has_permission(user, tenant, perm: str) -> bool:
    return perm in permissions_for(user, tenant)


def require(user, tenant, perm: str) -> None:
    """Raise 404 unless the user holds `perm` on `tenant` (the same answer whether or not the thing exists)."""
    if not has_permission(user, tenant, perm):
        raise Http404
