"""The API skeleton: OpenAPI schema and docs, one error body, pagination, health; tenant creation by the
municipal admin (validated at once, carried out by the worker)."""

import uuid

import pytest

from tenants.models import Membership, ProvisioningJob, Tenant


def test_openapi_schema_and_docs(tenant_a, persona, api_for, client_for):
    schema = api_for(tenant_a, persona("alice")).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/members/" in paths and "/api/tenants/" in paths and "/api/auth/token/" in paths
    docs = client_for(tenant_a, persona("alice")).get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # served from our own static files


def test_api_needs_a_member(tenant_a, api_for):
    response = api_for(tenant_a).get("/api/members/")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"][0]["field"] is None


def test_validation_errors_list_field_and_reason(municipal, persona, api_for):
    api = api_for(municipal, persona("mayor"))
    response = api.post("/api/tenants/", {"name": "", "short_code": "BAD!", "kind": "nope"}, format="json")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"name", "short_code", "kind", "parent"} <= fields  # every bad field at once, the bad short code too
    assert all(error["reason"] for error in response.json()["errors"])
    assert not ProvisioningJob.objects.exists()


def test_pagination(tenant_a, persona, api_for):
    from tenants.services import add_member

    alice = persona("alice")
    for i in range(5):
        add_member(alice, tenant_a, username=f"user{i}", role="viewer", password="Plenty-long-pass-1")
    page = api_for(tenant_a, alice).get("/api/members/?page_size=2&page=2").json()
    assert page["count"] == 7 and len(page["results"]) == 2 and page["previous"] and page["next"]


def test_municipal_admin_requests_a_tenant(municipal, persona, api_for, django_capture_on_commit_callbacks):
    api = api_for(municipal, persona("mayor"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(
            "/api/tenants/",
            {"name": "新县总工会", "short_code": "newcounty", "kind": "county", "parent": municipal.pk},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1  # the worker task is sent once the request's transaction commits
    assert api.get(f"/api/provisioning-jobs/{response.json()['id']}/").json()["short_code"] == "newcounty"


def test_only_the_municipal_admin_creates_tenants(tenant_a, municipal, persona, api_for, client_for):
    assert api_for(tenant_a, persona("alice")).get("/api/tenants/").status_code == 404  # a county admin
    assert client_for(tenant_a, persona("alice")).get("/tenants/").status_code == 404
    assert api_for(municipal, persona("ana")).get("/api/tenants/").status_code == 403  # analyst, not admin
    listing = api_for(municipal, persona("mayor")).get("/api/tenants/").json()["results"]
    assert {"tenanta", "tenantb", "testcity"} <= {row["short_code"] for row in listing}


def test_tenant_form_errors_in_the_page(municipal, persona, client_for):
    page = client_for(municipal, persona("mayor"))
    response = page.post("/tenants/", {"name": "x", "short_code": "tenanta", "kind": "county", "parent": municipal.pk})
    assert response.status_code == 400
    assert "short_code" in response.context["form"].errors


def test_health_reports_each_service(client, db):
    response = client.get("/health/", HTTP_HOST="localhost")
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "worker"}
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert response.status_code == 200  # the web serves even when no worker answers ("degraded")


@pytest.mark.worker
def test_provisioning_runs_in_the_worker_and_records_progress(celery_worker_process, municipal, committed, persona, db):
    from django.db import connection

    from tenants.tasks import provision_tenant_task

    job_id = uuid.uuid4()
    short_code = f"w{job_id.hex[:8]}"
    schema = Tenant.schema_for(short_code)
    jobs = ProvisioningJob._meta.db_table
    committed(
        f"INSERT INTO public.{jobs} (id, name, short_code, kind, parent_id, division_code, admin_username,"
        " admin_created, plugins, status, steps, error, created_at)"
        " VALUES (%s, '新开县总工会', %s, 'county', %s, '', 'mayor', false, '[]', 'queued', '[]', '', now())",
        [job_id, short_code, municipal.pk],
    )
    committed.drop_schema_later(schema)
    for sql in (
        "DELETE FROM public.tenants_tenant WHERE short_code = %(c)s",
        f"DELETE FROM public.{jobs} WHERE id = %(j)s",
        "DELETE FROM public.tenants_domain WHERE tenant_id IN"
        " (SELECT id FROM public.tenants_tenant WHERE short_code = %(c)s)",
        "DELETE FROM public.tenants_membership WHERE tenant_id IN"
        " (SELECT id FROM public.tenants_tenant WHERE short_code = %(c)s)",
        # The new administrator's membership marks the new tenant's periods dirty.
        "DELETE FROM public.rollups_dirtyperiod WHERE tenant_id IN"
        " (SELECT id FROM public.tenants_tenant WHERE short_code = %(c)s)",
    ):
        committed("SELECT 1", undo_with=(sql, {"c": short_code, "j": job_id}))
    assert provision_tenant_task.delay(str(job_id)).get(timeout=60) == schema
    job = ProvisioningJob.objects.get(pk=job_id)
    assert job.status == "done" and [s["step"] for s in job.steps][-1] == "done"
    assert Membership.objects.filter(tenant__short_code=short_code, user__username="mayor").exists()
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema])
        assert cur.fetchone()


def test_initial_password_of_a_new_administrator(municipal, tenant_a, persona, client_for, api_for):
    from tenants.provisioning import get_or_create_admin_user

    user, created = get_or_create_admin_user("newboss")
    assert created and not user.has_usable_password()
    job = ProvisioningJob.objects.create(
        name="新县", short_code="newboss", kind="county", parent=municipal, admin_username="newboss",
        admin_created=True, status="done",
    )  # fmt: skip
    url = f"/tenants/jobs/{job.pk}/"
    page = client_for(municipal, persona("mayor"))
    assert page.get(url).context["form"] is not None
    assert page.post(url, {"password1": "Boss-pass-2026!", "password2": "typo"}).status_code == 400
    assert page.post(url, {"password1": "Boss-pass-2026!", "password2": "Boss-pass-2026!"}).status_code == 302
    user.refresh_from_db()
    assert user.check_password("Boss-pass-2026!")
    again = api_for(municipal, persona("mayor")).post(
        f"/api/provisioning-jobs/{job.pk}/initial-password/", {"password": "Other-pass-2026!"}
    )
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "password"  # only once
    foreign = api_for(tenant_a, persona("alice")).post(
        f"/api/provisioning-jobs/{job.pk}/initial-password/", {"password": "x"}
    )
    assert foreign.status_code == 404
