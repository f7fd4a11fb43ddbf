"""One live dossier per person and union, step 1: the applicant's blind index copied onto the dossier and filled
for every existing dossier.

Existing data may already hold two live dossiers of the same applicant (nothing refused it before). The unique
index of 0006 would then fail to build, so this step resolves it loudly, never silently: the oldest live dossier
keeps the applicant's index; each later one is set aside (its index left empty, so the constraint does not cover it)
with a line in its own history naming the dossier it duplicates, and the migration prints every such pair. Staff
then cancel or merge it; the service refuses any edit of its household that would duplicate the applicant again.
"""

from django.db import migrations, models

LIVE = ("draft", "submitted", "reviewed", "filed")
SET_ASIDE = "重复档案：本会已有同一申请人的在档档案 #%(kept)s。请核实后注销其一（本档案暂未纳入“一人一档”约束）。"


def fill_applicant_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "UPDATE dossiers_dossier d SET applicant_index = m.id_index FROM dossiers_householdmember m "
            "WHERE m.dossier_id = d.id AND m.relation = 'applicant' AND d.applicant_index = ''"
        )
        cur.execute(
            "SELECT array_agg(id ORDER BY created_at, id) FROM dossiers_dossier "
            "WHERE status = ANY(%s) AND applicant_index <> '' GROUP BY applicant_index HAVING count(*) > 1",
            [list(LIVE)],
        )
        groups = [row[0] for row in cur.fetchall()]
        for kept, *later in groups:
            cur.execute("UPDATE dossiers_dossier SET applicant_index = '' WHERE id = ANY(%s)", [later])
            cur.execute(
                "INSERT INTO dossiers_dossiertransition (dossier_id, from_status, to_status, reason, by_id, at) "
                "SELECT id, status, status, %s, filed_by_id, now() FROM dossiers_dossier WHERE id = ANY(%s)",
                [SET_ASIDE % {"kept": kept}, later],
            )
            schema = getattr(schema_editor.connection, "schema_name", "?")
            print(  # noqa: T201 — a migration's report to whoever runs it
                f"\n  dossiers 0005 [{schema}]: dossier(s) {', '.join(map(str, later))} duplicate the applicant of "
                f"live dossier {kept}; set aside (noted in their history), resolve them."
            )
    return groups


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0004_log_changes_for_rollups")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_index",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fill_applicant_index, migrations.RunPython.noop),
    ]
