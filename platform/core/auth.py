"""Authentication pieces: the tenant-role permission backend and login throttling.

Passwords are checked by Django's ModelBackend (default PBKDF2 hasher). Permissions never come from global flags:
``TenantRoleBackend`` answers ``user.has_perm`` from the user's membership on the tenant the connection is set to,
so the per-tenant Django admin and ``permission_required`` work per tenant.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import connection

from core.access import membership_for, permissions_for
from core.roles import Role
from core.tenancy import tenant_app_labels


def current_tenant():
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public" or not getattr(tenant, "pk", None):
        return None
    return tenant


class TenantRoleBackend(ModelBackend):
    """Username + password as usual; permissions from the membership on the current tenant."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(permissions_for(user_obj, current_tenant()))

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or obj is not None:
            return False
        tenant = current_tenant()
        if perm in permissions_for(user_obj, tenant):
            return True
        # The tenant admin manages every model of the tenant's own schema in the per-tenant admin.
        membership = membership_for(user_obj, tenant)
        if membership is not None and membership.role == Role.TENANT_ADMIN:
            return perm.split(".", 1)[0] in tenant_app_labels() | {"tenants"}
        return False

    def has_module_perms(self, user_obj, app_label):
        membership = membership_for(user_obj, current_tenant())
        if membership is None or membership.role != Role.TENANT_ADMIN:
            return False
        return app_label in tenant_app_labels() | {"tenants"}


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or — behind our nginx (BANGFU_BEHIND_PROXY) — the X-Real-IP header it
    sets from its own peer address (a client cannot forge it: nginx overwrites it)."""
    if getattr(settings, "BANGFU_BEHIND_PROXY", False):
        return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")
    return request.META.get("REMOTE_ADDR", "")


class LoginThrottle:
    """Counts failed logins per username and per client address; cache keys carry the tenant automatically."""

    def __init__(self, request, username: str):
        self.keys = [
            f"login-fail:user:{(username or '').strip().lower()}",
            f"login-fail:ip:{client_ip(request)}",
        ]

    def is_locked(self) -> bool:
        counts = cache.get_many(self.keys)
        return any(int(n) >= settings.BANGFU_LOGIN_MAX_FAILURES for n in counts.values())

    def record_failure(self) -> None:
        for key in self.keys:
            if not cache.add(key, 1, settings.BANGFU_LOGIN_LOCKOUT_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, settings.BANGFU_LOGIN_LOCKOUT_SECONDS)

    def reset(self) -> None:
        cache.delete(self.keys[0])
