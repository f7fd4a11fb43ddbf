"""The tenants app's rows in the per-tenant admin (``core.admin.tenant_admin_site``): read-only and filtered to the
current tenant. Their rules (a tenant keeps an administrator, a unit scope names a unit of the tenant, activating a
plugin runs its hooks) live in ``tenants.services``, which the members and plugins pages call; a generic change form
would go around them.
"""

from django.contrib import admin

from core.admin import TenantScopedAdmin, tenant_admin_site
from tenants.models import Membership, PluginActivation


@admin.register(Membership, site=tenant_admin_site)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "role", "unit_id", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "role", "unit_id"]
    # Members are managed on the members page; a user picker here would list every tenant's users.


@admin.register(PluginActivation, site=tenant_admin_site)
class PluginActivationAdmin(TenantScopedAdmin):
    list_display = ["plugin", "is_active", "changed_at"]
    fields = ["plugin", "is_active", "config"]
