"""Database helpers shared by the core and the plugins.

``LogChanges(table, columns)`` is a migration operation: it logs every insert, delete and update of ``table`` that
touches one of ``columns`` into ``public.rollups_change`` (schema, table, the listed columns of the old and of the
new row, nothing else), through the trigger function ``public.bangfu_log_change`` (created by the rollups app).
The rollup engine turns those rows into changes of its figures (see ``rollups.engine``). A writer also takes the
tenant's change lock in shared mode until it commits, so that the engine, which takes it exclusively, never reads
the log while a transaction that wrote to it is still open.
"""

from django.db import migrations

# pg_advisory_xact_lock(CHANGE_LOCK, hashtext(schema)): shared by writers, exclusive for the rollup engine.
CHANGE_LOCK = 424201
TRIGGER = "bangfu_log_change"


def LogChanges(table: str, columns) -> migrations.RunSQL:  # noqa: N802 — reads as a migration operation
    if not columns:
        raise ValueError("LogChanges needs the columns whose changes count")
    args = ", ".join("'" + column.replace("'", "''") + "'" for column in sorted(columns))
    return migrations.RunSQL(
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table};"
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION public.bangfu_log_change({args});",
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table};",
    )
