"""The page of a large import: its progress (polled as JSON by the page itself) and, once done, its report."""

from django.http import JsonResponse
from django.shortcuts import render

from core.jobs import services
from core.pages import no_store, tenant_page
from core.roles import Perm


@tenant_page(Perm.VIEW_HOME)  # then the job's own importer permission, in access_import_job
def import_job(request, job_id: int):
    job = services.access_import_job(request.user, request.tenant, job_id)
    state = services.job_state(job)
    if "application/json" in request.headers.get("Accept", ""):
        return no_store(JsonResponse(state))
    return no_store(render(request, "jobs/import_job.html", {"job": job, "state": state}))
