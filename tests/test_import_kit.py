"""The spreadsheet-import kit (core.importing): the report's masking and cap, and large imports in the worker —
queued by the page and the API, run with progress, polled by the job's page, and never visible to another union."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from openpyxl import Workbook

from core import importing as kit
from core.jobs import services as jobs
from core.jobs.models import ImportJob
from core.people.models import Unit
from stations.importing import COLUMNS
from tests.checkdigits import credit_code_check
from worker.tasks import run_import, send_to_tenant

HEADER = [column.header for column in COLUMNS]
TIMEOUT = 60


def credit_code(number: int) -> str:
    body = f"91330106MA{number:07d}"
    return body + credit_code_check(body)


def unit_rows(count: int, start: int = 0) -> list[list]:
    return [[f"企业{i}", "企业", "", credit_code(i), 10, "", "", "", "", ""] for i in range(start, start + count)]


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(rows, name="units.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook(rows), content_type=kit.XLSX_CONTENT_TYPE)


def unit_names(tenant) -> list[str]:
    with schema_context(tenant.schema_name):
        return sorted(Unit.objects.values_list("name", flat=True))


def jobs_of(tenant) -> list[ImportJob]:
    with schema_context(tenant.schema_name):
        return list(ImportJob.objects.order_by("pk"))


# --------------------------------------------------------------------------------------------------- report
class _PersonalImporter(kit.Importer):
    columns = (kit.Column("id_number", "身份证号", required=True, personal=True),)


class _PlainImporter(kit.Importer):
    columns = (kit.Column("code", "代码", required=True),)


def test_reasons_are_masked_when_the_importer_declares_a_personal_column():
    number = "511102198001011234"
    personal = kit.ImportReport(_PersonalImporter(None, None))
    personal.add_for(2, "id_number", f"“{number}” is wrong")
    assert number not in personal.errors[0].reason and personal.errors[0].reason.startswith("“511102")
    assert personal.errors[0].column == "身份证号"
    plain = kit.ImportReport(_PlainImporter(None, None))
    plain.add_for(2, "code", f"“{number}” is wrong")  # no personal column: the reason is the user's own words
    assert number in plain.errors[0].reason


def test_the_cap_counts_what_it_does_not_list(monkeypatch):
    monkeypatch.setattr(kit, "MAX_LISTED_ERRORS", 3)
    report = kit.ImportReport(_PlainImporter(None, None))
    for row in range(2, 12):
        report.add_for(row, "code", "wrong")
    assert (len(report.errors), report.error_count, report.unlisted) == (3, 10, 7)
    assert report.as_json()["unlisted"] == 7 and "10" in report.summary()


# -------------------------------------------------------------------------------------------- worker (queued)
@pytest.fixture
def low_threshold(settings):
    settings.IMPORT_WORKER_THRESHOLD = 3
    return settings


def test_a_large_upload_on_the_page_becomes_a_job_of_tenant_a_only(
    low_threshold, tenant_a, tenant_b, persona, client_for, django_capture_on_commit_callbacks
):
    page = client_for(tenant_a, persona("alice"))
    with django_capture_on_commit_callbacks() as sent:
        response = page.post("/stations/units/import/", {"file": upload(unit_rows(5))})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/imports/")
    assert len(sent) == 1  # sent to the worker once the job is committed, not before
    (job,) = jobs_of(tenant_a)
    assert (job.status, job.rows_total, job.importer) == ("queued", 5, "stations.importing.UnitImporter")
    assert unit_names(tenant_a) == [] and jobs_of(tenant_b) == []

    state = page.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert (state["status"], state["rows_total"], state["finished"]) == ("queued", 5, False)
    # Bob is not a member of A, and B's schema has no such job.
    assert client_for(tenant_b, persona("bob")).get(response["Location"]).status_code == 404
    assert client_for(tenant_a, persona("amy")).get(response["Location"]).status_code == 404  # no manage permission

    # What the worker does, here in-process: the units, the progress and the report are recorded on the job.
    with schema_context(tenant_a.schema_name):
        assert jobs.run_import_job(job.pk, tenant_a) == "done"
        assert jobs.run_import_job(job.pk, tenant_a) == "done"  # delivered twice: imported once
    state = page.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert (state["status"], state["rows_done"], state["percent"], state["finished"]) == ("done", 5, 100, True)
    assert state["report"]["created"] == 5 and state["report"]["errors"] == []
    assert "5" in page.get(response["Location"]).content.decode()  # the page after a reload shows the summary
    assert unit_names(tenant_a) == sorted(f"企业{i}" for i in range(5)) and unit_names(tenant_b) == []
    assert jobs_of(tenant_a)[0].content == b""  # the upload is not kept once imported


def test_a_large_bad_upload_over_the_api_reports_rows_on_the_job(
    low_threshold, tenant_a, tenant_b, persona, api_for, client_for, django_capture_on_commit_callbacks
):
    rows = unit_rows(4)
    rows[2][3] = rows[2][3][:-1] + ("0" if rows[2][3][-1] != "0" else "1")  # a wrong check character, row 4
    with django_capture_on_commit_callbacks():
        response = api_for(tenant_b, persona("bob")).post(
            "/api/unit-import/", {"file": upload(rows)}, format="multipart"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["url"] == f"/jobs/imports/{body['job']}/"
    assert jobs_of(tenant_a) == [] and len(jobs_of(tenant_b)) == 1
    with schema_context(tenant_b.schema_name):
        assert jobs.run_import_job(body["job"], tenant_b) == "failed"
    state = client_for(tenant_b, persona("bob")).get(body["url"], HTTP_ACCEPT="application/json").json()
    assert state["status"] == "failed" and state["report"]["created"] == 0
    assert [(e["row"], e["column"], e["cell"]) for e in state["report"]["errors"]] == [(4, "统一社会信用代码", "D4")]
    assert unit_names(tenant_b) == [] and unit_names(tenant_a) == []  # all or nothing, and nothing in A
    assert client_for(tenant_a, persona("alice")).get(body["url"]).status_code == 404  # A has no such job


def test_small_uploads_still_import_at_once(low_threshold, tenant_a, tenant_b, persona, api_for):
    created = api_for(tenant_a, persona("alice")).post("/api/unit-import/", {"file": upload(unit_rows(3))})
    assert created.status_code == 201 and created.json() == {"created": 3}
    assert jobs_of(tenant_a) == [] and unit_names(tenant_b) == []


# -------------------------------------------------------------------------------------------- real worker
@pytest.mark.worker
def test_the_real_worker_imports_a_large_file_in_its_tenant(
    no_rollup_state, celery_worker_process, tenant_a, tenant_b, persona
):
    """The job is committed (the worker reads it on its own connection), sent to tenant A, and run there. The units
    it commits are logged for the rollups too: ``no_rollup_state`` clears that log after the test."""
    committed = no_rollup_state
    schema = tenant_a.schema_name
    jobs_table, units_table = f'"{schema}".jobs_importjob', f'"{schema}".stations_unit'
    clear_units = (f"DELETE FROM {units_table} WHERE name LIKE %s", ["企业%"])
    committed(*clear_units, undo_with=clear_units)  # what the worker commits is not rolled back with the test
    (job_id,) = committed(
        f"INSERT INTO {jobs_table} (importer, actor_id, file_name, content, status, rows_total, rows_done, report, "
        "created_at) VALUES ('stations.importing.UnitImporter', %s, 'units.xlsx', %s, 'queued', 4, 0, '{}', now()) "
        "RETURNING id",
        [persona("alice").pk, workbook(unit_rows(4))],
        undo_with=(f"DELETE FROM {jobs_table}", []),
    )[0]
    assert send_to_tenant(run_import, tenant_a, args=[job_id]).get(timeout=TIMEOUT) == "done"
    assert committed(f"SELECT status, rows_done, report->>'created' FROM {jobs_table} WHERE id = %s", [job_id]) == [
        ("done", 4, "4")
    ]
    assert committed(f"SELECT count(*) FROM {units_table} WHERE name LIKE %s", ["企业%"]) == [(4,)]
    other = f'"{tenant_b.schema_name}"'
    assert committed(f"SELECT count(*) FROM {other}.stations_unit WHERE name LIKE %s", ["企业%"]) == [(0,)]
    assert committed(f"SELECT count(*) FROM {other}.jobs_importjob") == [(0,)]


def test_a_large_dossier_import_keeps_id_numbers_masked_on_the_job(
    low_threshold, tenant_a, tenant_b, persona, client_for, django_capture_on_commit_callbacks
):
    from tests.test_dossiers_import import enterprise, good_people, upload, wrong_check

    enterprise(tenant_a)
    people = good_people()
    bad = wrong_check(people[1]["id_number"])
    people[1]["id_number"] = bad
    page = client_for(tenant_a, persona("alice"))
    with django_capture_on_commit_callbacks():
        response = page.post("/dossiers/import/", {"file": upload(people)})
    assert response.status_code == 302
    (job,) = jobs_of(tenant_a)
    with schema_context(tenant_a.schema_name):
        assert jobs.run_import_job(job.pk, tenant_a) == "failed"
    body = page.get(response["Location"], HTTP_ACCEPT="application/json").content.decode()
    html = page.get(response["Location"]).content.decode()
    for text in (body, html):
        assert "D3" in text and bad not in text and bad[:17] not in text
    assert jobs_of(tenant_b) == [] and client_for(tenant_b, persona("bob")).get(response["Location"]).status_code == 404
