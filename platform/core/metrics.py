"""The core's own rollup metric providers (same contract as a plugin's ``rollups.metrics``).

Stations and dossiers add their providers here as they land; the rollup jobs (issue 5) consume
``core.plugins.metrics_for(tenant)``.
"""

from core.plugins import Metric


def _members_by_role(tenant, period):
    from django.db.models import Count

    from tenants.models import Membership

    rows = Membership.objects.filter(tenant_id=tenant.pk).values("role").annotate(n=Count("id")).order_by("role")
    return [({"role": row["role"]}, row["n"]) for row in rows]


def core_metrics() -> list[Metric]:
    return [
        Metric(
            name="core.members",
            label="members by role",
            unit="people",
            compute=_members_by_role,
            dimensions=("role",),
        )
    ]
