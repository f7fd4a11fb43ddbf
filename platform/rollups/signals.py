"""Changes in a tenant's data mark its current periods dirty, once per transaction and only if it commits."""

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

WATCHED = {
    "stations": {"Unit", "Station", "ReceptionRecord", "FundEntry"},
    "dossiers": {"Dossier", "HouseholdMember", "Assistance"},
}


_ids_by_schema: dict[str, int] = {}


def _tenant_id(schema: str) -> int | None:
    """The tenant of a schema (schema_context gives the connection a stand-in tenant without an id)."""
    if schema not in _ids_by_schema:
        from tenants.models import Tenant

        found = Tenant.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
        if found is None:
            return None
        _ids_by_schema[schema] = found
    return _ids_by_schema[schema]


def _tenant_changed(sender, **kwargs):
    schema = getattr(connection, "schema_name", "public")
    if schema == "public":
        return
    tenant_id = getattr(getattr(connection, "tenant", None), "pk", None) or _tenant_id(schema)
    if not tenant_id:
        return
    # Once per transaction: a callback already waiting for this tenant's commit is enough (Django drops the
    # waiting callbacks when the transaction rolls back, so nothing is left behind then).
    if any(getattr(entry[1], "dirty_tenant_id", None) == tenant_id for entry in connection.run_on_commit):
        return

    def mark():
        from rollups.services import mark_dirty

        mark_dirty(tenant_id)

    mark.dirty_tenant_id = tenant_id
    transaction.on_commit(mark)


def _watched(sender) -> bool:
    return sender._meta.object_name in WATCHED.get(sender._meta.app_label, ())


def on_save(sender, **kwargs):
    if _watched(sender):
        _tenant_changed(sender, **kwargs)


post_save.connect(on_save, dispatch_uid="rollups_mark_dirty_on_save")
post_delete.connect(on_save, dispatch_uid="rollups_mark_dirty_on_delete")
