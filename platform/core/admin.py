"""The per-tenant Django admin: open to the tenant's administrators only, showing only the tenant's rows.

It is mounted on tenant hosts at /admin/; each app registers its models on ``tenant_admin_site`` in its
``admin.py``. Shared tables that belong to a tenant (the tenants app's members and plugin activations) use
:class:`TenantScopedAdmin`: filtered to the current tenant and read-only. Everything else it shows lives in the
tenant's own schema.

Its login is the tenant's own login page, so the admin gets the same throttle and second factor.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import has_permission
from core.roles import Perm


class TenantAdminSite(admin.AdminSite):
    site_header = _("Bangfu administration")
    site_title = _("Bangfu")
    index_title = _("Tenant administration")

    def has_permission(self, request):
        tenant = getattr(request, "tenant", None)
        return tenant is not None and has_permission(request.user, tenant, Perm.USE_ADMIN)

    def login(self, request, extra_context=None):
        # Never Django's own admin login: it would skip the login throttle, the second factor and the session's
        # binding to this tenant. A POST here authenticates nothing.
        return redirect_to_login(request.GET.get("next") or reverse("tenant-admin:index"), reverse("login"))


tenant_admin_site = TenantAdminSite(name="tenant-admin")


class TenantScopedAdmin(admin.ModelAdmin):
    """Shared-schema rows that belong to a tenant: only the current tenant's are listed, and only for reading."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tenant_id=request.tenant.pk)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
