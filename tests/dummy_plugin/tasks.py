from worker.tasks import tenant_task


@tenant_task(name="dummy.count_things")
def count_things(mark: str = "") -> dict:
    """Report the schema it ran in and what it sees there (the worker tests check isolation with it). With `mark`,
    also leave a thing named `<mark>:<schema it ran in>` behind, for a test that cannot read the result."""
    from django.db import connection

    from tests.dummy_plugin.models import Thing

    if mark:
        Thing.objects.create(name=f"{mark}:{connection.schema_name}", amount=0)
    return {"schema": connection.schema_name, "names": sorted(Thing.objects.values_list("name", flat=True))}
