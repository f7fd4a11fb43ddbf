"""Stations in the per-tenant admin. The register and the ledger are read-only here: their rules live in
stations.services (stages in order; entries only appended)."""

from django.contrib import admin

from core.admin import tenant_admin_site
from core.people.models import Unit
from stations.models import (
    CoverageTarget,
    FundAccount,
    FundEntry,
    ReceptionRecord,
    ServicePoint,
    Station,
    StationPolicy,
    StationStaff,
)


@admin.register(Unit, site=tenant_admin_site)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "employee_count", "has_union", "union_is_sound"]
    list_filter = ["kind", "has_union", "above_designated_size"]
    search_fields = ["name", "credit_code"]


class StaffInline(admin.TabularInline):
    model = StationStaff
    extra = 0


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


@admin.register(Station, site=tenant_admin_site)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "established_on", "is_pilot", "is_exemplary"]
    list_filter = ["kind", "is_pilot", "is_exemplary"]
    search_fields = ["name"]
    inlines = [StaffInline, ServicePointInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReceptionRecord, site=tenant_admin_site)
class ReceptionRecordAdmin(ReadOnlyAdmin):
    list_display = ["visitor_name", "station", "category", "stage", "visited_at"]
    list_filter = ["stage", "category"]


@admin.register(FundAccount, site=tenant_admin_site)
class FundAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "station", "balance"]


@admin.register(FundEntry, site=tenant_admin_site)
class FundEntryAdmin(ReadOnlyAdmin):
    list_display = ["account", "booked_on", "kind", "amount", "source", "purpose", "balance_after"]
    list_filter = ["kind", "source"]


tenant_admin_site.register(CoverageTarget)
tenant_admin_site.register(StationPolicy)
