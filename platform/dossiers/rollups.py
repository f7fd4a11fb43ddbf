"""The dossiers app's figures (the ``metrics`` convention of ``core.plugins``): dossiers by status, tier, cause
and unit, and the assistance given. Counts and sums only, never a person. The columns the cells use are logged by
the migration ``dossiers.0004``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from core.plugins import Cells, Metric


def _dossiers(tenant, period):
    from dossiers.models import Dossier

    rows = (
        Dossier.objects.values("status", "tier", "main_cause", "employer_id")
        .annotate(n=Count("id"))
        .order_by("status", "tier", "main_cause")
    )
    return [
        ({"status": r["status"], "tier": r["tier"], "cause": r["main_cause"], "unit": r["employer_id"]}, r["n"])
        for r in rows
    ]


def _assistance(tenant, period):
    from dossiers.models import Assistance

    rows = Assistance.objects.all()
    if period:
        rows = rows.filter(given_on__range=period)
    totals = rows.values("kind").annotate(n=Count("id"), amount=Sum("amount")).order_by("kind")
    out = []
    for row in totals:
        out.append(({"kind": row["kind"], "measure": "count"}, row["n"]))
        out.append(({"kind": row["kind"], "measure": "amount"}, row["amount"] or Decimal("0")))
    return out


metrics = [
    Metric(
        "dossiers.count",
        _("dossiers by status, tier and cause"),
        "households",
        _dossiers,
        ("status", "tier", "cause", "unit"),
        cells=Cells(
            "dossiers_dossier",
            dims={"status": "status", "tier": "tier", "cause": "main_cause", "unit": "employer_id"},
        ),
        personal=True,
    ),
    Metric(
        "dossiers.assistance",
        _("assistance by kind"),
        "count / CNY",
        _assistance,
        ("kind", "measure"),
        cells=Cells(
            "dossiers_assistance",
            dims={"kind": "kind"},
            measures={"count": None, "amount": "amount"},
            date="given_on",
        ),
    ),
]
