"""Authentication pieces: the tenant-role permission backend and login throttling (one throttle for all hosts).

Passwords are checked by Django's ModelBackend (default PBKDF2 hasher). Permissions never come from global flags:
``TenantRoleBackend`` answers ``user.has_perm`` from the user's membership on the tenant the connection is set to,
so the per-tenant Django admin and ``permission_required`` work per tenant.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
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
    """Failed logins, counted across every host (the page, the admin and the token login all come here).

    The counters live in Redis under keys WITHOUT the tenant's prefix (the default cache's ``make_key`` would put
    each host's count apart, giving a member of several unions five guesses on each). Three counters:

    * account × address: ``BANGFU_LOGIN_MAX_FAILURES`` wrong guesses of one account from one address lock that
      account *from that address* — the owner logging in from elsewhere is not locked out by someone else's guesses;
    * address: ``BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS`` failures from one address, whatever the accounts, lock that
      address (one address cannot work through every user of a host);
    * account: ``BANGFU_LOGIN_MAX_FAILURES_PER_ACCOUNT`` failures from all addresses together lock the account
      everywhere (guessing spread over many addresses). It is kept above the per-address limit, so no single
      address can lock another person's account.
    """

    def __init__(self, request, username: str):
        account = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
        address = client_ip(request)
        prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:login-fail"
        self.keys = {
            "account_address": f"{prefix}:acct-addr:{account}:{address}",
            "address": f"{prefix}:addr:{address}",
            "account": f"{prefix}:acct:{account}",
        }

    @staticmethod
    def _redis():
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    def _limits(self) -> dict[str, int]:
        per_account = settings.BANGFU_LOGIN_MAX_FAILURES
        per_address = max(settings.BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS, per_account)
        return {
            "account_address": per_account,
            "address": per_address,
            "account": max(settings.BANGFU_LOGIN_MAX_FAILURES_PER_ACCOUNT, per_address + 1),
        }

    def is_locked(self) -> bool:
        names = list(self.keys)
        counts = self._redis().mget([self.keys[name] for name in names])
        limits = self._limits()
        return any(int(count or 0) >= limits[name] for name, count in zip(names, counts, strict=True))

    def record_failure(self) -> None:
        pipe = self._redis().pipeline()
        for key in self.keys.values():
            pipe.set(key, 0, ex=settings.BANGFU_LOGIN_LOCKOUT_SECONDS, nx=True)
            pipe.incr(key)
        pipe.execute()

    def reset(self) -> None:
        # Success clears this account's own counts; the address's count stays (a valid account of one's own must
        # not wipe the record of guesses at other people's).
        self._redis().delete(self.keys["account_address"], self.keys["account"])
