"""Worker tasks of tenancy."""

from worker.tasks import shared_platform_task


@shared_platform_task(name="tenants.provision_tenant", autoretry_for=(), max_retries=0)
def provision_tenant_task(job_id: str) -> str | None:
    """Create the tenant a ProvisioningJob asks for; the job records progress and any error."""
    from django.core.exceptions import ValidationError

    from tenants.models import ProvisioningJob
    from tenants.provisioning import run_job

    pending = [ProvisioningJob.Status.QUEUED, ProvisioningJob.Status.RUNNING]
    job = ProvisioningJob.objects.filter(pk=job_id, status__in=pending).first()
    if job is None:  # redelivered after it finished: nothing to do twice
        return None
    try:
        tenant = run_job(job)
    except ValidationError:
        return None  # recorded on the job; not a worker failure
    return tenant.schema_name
