"""Every full view of a resident ID number is kept: a trigger refuses UPDATE and DELETE on the audit table, so the
application (or anyone with its database role) cannot edit or remove a row. The function lives in each tenant
schema (created in the template, copied by the clone)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION dossiers_idnumberview_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ID-number audit log is append-only'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER dossiers_idnumberview_append_only
    BEFORE UPDATE OR DELETE ON dossiers_idnumberview
    FOR EACH ROW EXECUTE FUNCTION dossiers_idnumberview_append_only();
CREATE TRIGGER dossiers_idnumberview_no_truncate
    BEFORE TRUNCATE ON dossiers_idnumberview
    FOR EACH STATEMENT EXECUTE FUNCTION dossiers_idnumberview_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS dossiers_idnumberview_no_truncate ON dossiers_idnumberview;
DROP TRIGGER IF EXISTS dossiers_idnumberview_append_only ON dossiers_idnumberview;
DROP FUNCTION IF EXISTS dossiers_idnumberview_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
