"""The worker's side of the jobs (discovered by the worker through the app contract's ``tasks`` module)."""

from core.jobs import services
from worker.tasks import tenant_task


@tenant_task(name="jobs.run_import")
def run_import(job_id: int) -> str:
    """Run a queued import in the tenant it was sent to; answers the job's final status."""
    return services.run_import_job(job_id)
