"""The municipal union's view of the rollups: figures per metric and period across tenants (never a tenant's
rows), when they were computed, failures, and a refresh that recomputes in the worker. Pages and API."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import require
from core.plugins import metrics_for
from core.roles import Perm
from core.views import tenant_page
from rollups import services
from rollups.models import Period

DASHBOARD_METRICS = [
    "stations.open",
    "stations.coverage",
    "stations.receptions",
    "stations.receptions_overdue",
    "stations.fund_flows",
    "dossiers.count",
    "dossiers.assistance",
]


def _municipal(request):
    tenant = getattr(request._request if hasattr(request, "_request") else request, "tenant", None)
    if tenant is None or not tenant.is_municipal:
        raise Http404
    require(request.user, tenant, Perm.VIEW_ROLLUPS)
    return tenant


def _period(params) -> tuple[str, date]:
    kind = params.get("period", Period.MONTH)
    if kind not in Period.values:
        kind = Period.MONTH
    try:
        start = date.fromisoformat(params.get("start", ""))
    except ValueError:
        start = timezone.localdate()
    return kind, services.period_bounds(kind, start)[0]


def refresh_all() -> int:
    """Mark every active tenant's current periods dirty and dispatch at once."""
    from rollups.tasks import dispatch
    from tenants.models import Tenant

    tenants = list(Tenant.objects.filter(is_active=True).exclude(schema_name="public").values_list("pk", flat=True))
    for tenant_id in tenants:
        services.mark_dirty(tenant_id)
    dispatch.delay()
    return len(tenants)


@tenant_page(Perm.VIEW_ROLLUPS)
def dashboard(request):
    tenant = _municipal(request)
    kind, start = _period(request.GET)
    known = {m.name: m for m in metrics_for(tenant)}
    sections = [
        {"metric": name, "label": known[name].label if name in known else name,
         "rows": services.city_figures(name, kind, start)}
        for name in DASHBOARD_METRICS
    ]  # fmt: skip
    by_tenant = services.city_figures(request.GET.get("metric", "dossiers.count"), kind, start, by_tenant=True)
    context = {
        "sections": sections,
        "by_tenant": by_tenant,
        "period": kind,
        "start": start,
        "status": services.freshness(),
        "metrics": DASHBOARD_METRICS,
        "metric": request.GET.get("metric", "dossiers.count"),
    }
    return render(request, "rollups/dashboard.html", context)


@require_POST
@tenant_page(Perm.VIEW_ROLLUPS)
def refresh(request):
    _municipal(request)
    count = refresh_all()
    messages.success(request, _("Recomputing the figures of %(count)s unions; the page shows them as they arrive.")
                     % {"count": count})  # fmt: skip
    return redirect("rollups:dashboard")


page_urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("refresh/", refresh, name="refresh"),
]


class FigureSerializer(serializers.Serializer):
    tenant = serializers.CharField(required=False)
    dims = serializers.DictField(child=serializers.CharField())
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    suppressed = serializers.BooleanField()


class FreshnessSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True)
    waiting = serializers.IntegerField()
    failures = serializers.ListField(child=serializers.DictField())


class Figures(APIView):
    """The city's figures of one metric for a period (`period`=month|year, `start`=a date in it), summed over the
    unions, or per union with `by_tenant=1`. Cells about fewer than 3 people are suppressed."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str, required=True),
            OpenApiParameter("period", str, enum=Period.values),
            OpenApiParameter("start", str),
            OpenApiParameter("by_tenant", bool),
        ],
        responses=FigureSerializer(many=True),
    )
    def get(self, request):
        _municipal(request)
        metric = request.query_params.get("metric")
        if not metric:
            raise serializers.ValidationError({"metric": [_("Name the metric.")]})
        kind, start = _period(request.query_params)
        by_tenant = request.query_params.get("by_tenant") in ("1", "true")
        return Response(FigureSerializer(services.city_figures(metric, kind, start, by_tenant), many=True).data)


class Status(APIView):
    """When the figures were computed, how many tenant periods wait, and recent failures."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(responses=FreshnessSerializer)
    def get(self, request):
        _municipal(request)
        return Response(FreshnessSerializer(services.freshness()).data)


api_urlpatterns = [
    path("rollups/figures/", Figures.as_view(), name="rollup-figures"),
    path("rollups/status/", Status.as_view(), name="rollup-status"),
]
