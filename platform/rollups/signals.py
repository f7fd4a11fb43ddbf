"""A change of a tenant's memberships (public schema, where no change log trigger watches) marks the tenant's
current periods dirty once its transaction commits. Changes of tenant data are logged by triggers instead
(``core.db.LogChanges``): they catch bulk updates and raw SQL too."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.signals import app_switched


def _membership_changed(sender, instance, **kwargs):
    tenant_id = instance.tenant_id
    if any(
        getattr(entry[1], "dirty_tenant_id", None) == tenant_id for entry in transaction.get_connection().run_on_commit
    ):
        return  # once per transaction and tenant

    def mark():
        from rollups.services import mark_dirty

        mark_dirty(tenant_id)

    mark.dirty_tenant_id = tenant_id
    transaction.on_commit(mark)


post_save.connect(_membership_changed, sender="tenants.Membership", dispatch_uid="rollups_members_saved")
post_delete.connect(_membership_changed, sender="tenants.Membership", dispatch_uid="rollups_members_deleted")


def _app_switched(sender, tenant, app, active, **kwargs):
    """A plugin switched on or off changes which metrics the tenant has: compute its figures again."""
    from rollups.services import mark_dirty

    tenant_id = tenant.pk
    transaction.on_commit(lambda: mark_dirty(tenant_id))


app_switched.connect(_app_switched, dispatch_uid="rollups_app_switched")
