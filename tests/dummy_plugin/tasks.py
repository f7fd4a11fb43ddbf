from worker.tasks import tenant_task


@tenant_task(name="dummy.count_things")
def count_things() -> dict:
    """Report the schema it ran in and what it sees there (the worker tests check isolation with it)."""
    from django.db import connection

    from tests.dummy_plugin.models import Thing

    return {"schema": connection.schema_name, "names": sorted(Thing.objects.values_list("name", flat=True))}
