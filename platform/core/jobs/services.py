"""Queue a large import, run it in the worker, read how far it has come."""

from __future__ import annotations

import logging

from django.db import OperationalError, connection
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.access import require
from core.jobs.models import ImportJob

log = logging.getLogger(__name__)
PROGRESS_EVERY = 100  # rows between two progress writes: each is one UPDATE the page can see at once


def store_import_job(importer_class, actor, data: bytes, *, file_name: str, rows: int) -> ImportJob:
    """Keep a checked upload as a queued job (``core.importing.start_import`` sends it to the worker)."""
    return ImportJob.objects.create(
        importer=f"{importer_class.__module__}.{importer_class.__qualname__}",
        actor=actor,
        file_name=file_name[:255],
        content=data,
        rows_total=rows,
    )


def run_import_job(job_id: int, tenant=None) -> str:
    """The worker's part: the import, all or nothing as always, with the rows checked so far written as it goes.

    A job that has already ended is left alone (a task delivered twice imports once)."""
    job = ImportJob.objects.select_related("actor").filter(pk=job_id).first()
    if job is None or job.finished:
        return job.status if job else "missing"
    tenant = tenant or connection.tenant  # the worker has switched to the job's tenant
    importer_class = import_string(job.importer)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    def progress(done: int) -> None:
        # Outside the import's transaction (rows are read before it opens), so the page sees it at once.
        if done % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        importer = importer_class(job.actor, tenant, progress=progress)
        importer.check_permission()  # the actor may have lost the permission while the job waited
        state = importer.run_checked(bytes(job.content)).as_json()
    except Http404:
        state = _stopped(_("You may no longer run this import; nothing was saved."))
    except (OperationalError, ConnectionError):
        raise  # the task is retried (the job is still running, so it runs again)
    except Exception:
        log.exception("import job %s failed", job.pk)
        state = _stopped(_("The import stopped because of an error; nothing was saved. Try again later."))
    status = ImportJob.Status.DONE if state["ok"] else ImportJob.Status.FAILED
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        rows_done=state["rows"] or job.rows_total,
        report=state,
        content=b"",  # the tenant's data is not kept longer than the import needs it
        finished_at=timezone.now(),
    )
    return status


def _stopped(reason: str) -> dict:
    """A finished job's report when the import could not run at all (the shape of ImportReport.as_json())."""
    error = {"row": None, "column": None, "cell": None, "reason": reason, "code": "job"}
    return {"ok": False, "rows": 0, "created": 0, "summary": reason, "error_count": 1, "unlisted": 0, "errors": [error]}


def access_import_job(actor, tenant, job_id: int) -> ImportJob:
    """A job of this tenant (its schema holds no other), for someone who may run its import; 404 otherwise."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    require(actor, tenant, import_string(job.importer).permission)
    return job


def job_state(job: ImportJob) -> dict:
    """What the page polls."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "finished": job.finished,
        "report": job.report or None,
    }
