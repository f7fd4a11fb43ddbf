"""Fund entries are immutable: a trigger refuses UPDATE and DELETE on the ledger (a mistake is corrected by a
reversing entry). Maintenance that must purge rows (test clean-up) sets `bangfu.ledger_maintenance` = 'on' for its
own transaction. The function lives in each tenant schema (created in the template, copied by the clone)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION stations_fundentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('bangfu.ledger_maintenance', true), '') = 'on' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'fund entries are immutable: book a reversing entry instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER stations_fundentry_append_only
    BEFORE UPDATE OR DELETE ON stations_fundentry
    FOR EACH ROW EXECUTE FUNCTION stations_fundentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS stations_fundentry_append_only ON stations_fundentry;
DROP FUNCTION IF EXISTS stations_fundentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
