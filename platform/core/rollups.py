"""The core app's figures: members by role (the same ``metrics`` convention as every app's ``rollups.py``).

Each ``compute(tenant, period)`` runs in the tenant's schema and returns ``[(dimensions, value)]`` — counts and
sums only, never a name or an ID. ``period`` is ``None`` (everything up to now) or a ``(first_day, last_day)`` pair.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.plugins import Metric


def _members_by_role(tenant, period):
    membership = apps.get_model("tenants", "Membership")  # the core sits below the tenants app
    rows = membership.objects.filter(tenant_id=tenant.pk).values("role").annotate(n=Count("id")).order_by("role")
    return [({"role": row["role"]}, row["n"]) for row in rows]


def _members_sql(q) -> str:
    return (
        "SELECT m.tenant_id, p.period_kind, p.period_start, m.role, count(*) AS value"
        f" FROM public.tenants_membership m CROSS JOIN {q.periods} p WHERE m.tenant_id = ANY ({q.tenant_ids})"
        " GROUP BY 1, 2, 3, 4"
    )


metrics = [
    Metric(
        "core.members",
        _("members by role"),
        "people",
        _members_by_role,
        ("role",),
        query=_members_sql,
        shared=True,
        sources=frozenset(),  # public memberships: their signal marks the tenant dirty (rollups.signals)
    ),
]
