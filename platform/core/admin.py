"""The per-tenant Django admin: open to the tenant's administrators only, showing only the tenant's rows.

It is mounted on tenant hosts at /admin/. The shared tables it shows (members, plugin activations) are filtered
to the current tenant; everything else it shows lives in the tenant's own schema.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.access import has_permission
from core.roles import Perm
from tenants.models import Membership, PluginActivation


class TenantAdminSite(admin.AdminSite):
    site_header = _("Bangfu administration")
    site_title = _("Bangfu")
    index_title = _("Tenant administration")

    def has_permission(self, request):
        tenant = getattr(request, "tenant", None)
        return tenant is not None and has_permission(request.user, tenant, Perm.USE_ADMIN)


tenant_admin_site = TenantAdminSite(name="tenant-admin")


class TenantScopedAdmin(admin.ModelAdmin):
    """Shared-schema rows that belong to a tenant: only the current tenant's are listed or reachable."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tenant_id=request.tenant.pk)

    def save_model(self, request, obj, form, change):
        obj.tenant_id = request.tenant.pk
        super().save_model(request, obj, form, change)


@admin.register(Membership, site=tenant_admin_site)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "role", "unit_id", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "role", "unit_id"]
    # Members are added on the members page (by username); a user picker here would list every tenant's users.
    readonly_fields = ["user"]

    def has_add_permission(self, request):
        return False


@admin.register(PluginActivation, site=tenant_admin_site)
class PluginActivationAdmin(TenantScopedAdmin):
    list_display = ["plugin", "is_active", "changed_at"]
    fields = ["plugin", "is_active", "config"]
    readonly_fields = ["plugin"]

    def has_add_permission(self, request):
        return False
