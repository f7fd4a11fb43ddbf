"""API of the assessment (考核, D-MU2; mounted under /api/ by core.urls)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from assessment import services
from assessment.models import DemonstrationNomination, Indicator, Inspection
from core.api.base import TenantAPIView
from core.api.pagination import PAGE_PARAMETERS, paginated
from core.dates import query_year
from core.roles import Perm
from stations.permissions import StationsPerm
from tenants.models import Tenant


class IndicatorSerializer(serializers.ModelSerializer):
    dims = serializers.DictField(child=serializers.CharField(), required=False, default=dict)
    denominator_dims = serializers.DictField(child=serializers.CharField(), required=False, default=dict)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "year",
            "name",
            "formula",
            "metric",
            "dims",
            "denominator_metric",
            "denominator_dims",
            "target",
            "weight",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The service checks uniqueness (and answers with a field error).
        validators = []


class ScoreInputSerializer(serializers.Serializer):
    metric = serializers.CharField()
    dims = serializers.DictField(child=serializers.CharField())
    value = serializers.DecimalField(max_digits=20, decimal_places=2)
    cells = serializers.IntegerField()


class IndicatorScoreSerializer(serializers.Serializer):
    indicator_id = serializers.IntegerField()
    name = serializers.CharField()
    formula = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=20, decimal_places=2)
    achievement = serializers.DecimalField(max_digits=7, decimal_places=2)
    weight = serializers.DecimalField(max_digits=7, decimal_places=2)
    score = serializers.DecimalField(max_digits=9, decimal_places=2)
    inputs = ScoreInputSerializer(many=True)


class TenantScoreSerializer(serializers.Serializer):
    tenant_id = serializers.IntegerField()
    tenant = serializers.CharField()
    short_code = serializers.CharField()
    year = serializers.IntegerField()
    indicators = IndicatorScoreSerializer(many=True)
    total = serializers.DecimalField(max_digits=11, decimal_places=2)
    max_total = serializers.DecimalField(max_digits=11, decimal_places=2)


class InspectionItemSerializer(serializers.Serializer):
    group = serializers.CharField()
    item = serializers.CharField()
    recorded = serializers.BooleanField()
    passed = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class InspectionSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="tenant.short_code", read_only=True)
    items = InspectionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "tenant", "station_id", "station_name", "year", "inspected_on", "items", "score"]
        read_only_fields = fields


class InspectRequestSerializer(serializers.Serializer):
    tenant = serializers.SlugRelatedField(slug_field="short_code", queryset=Tenant.objects.filter(is_active=True))
    station_id = serializers.IntegerField()
    items_passed = serializers.DictField(
        child=serializers.BooleanField(), help_text="Item text (or its position) → passed; others keep the record."
    )
    notes = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    inspected_on = serializers.DateField(required=False, default=None)


class NominationSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="tenant.short_code", read_only=True)
    tenant_name = serializers.CharField(source="tenant.name", read_only=True)
    inspection_score = serializers.DecimalField(
        source="inspection.score", max_digits=5, decimal_places=2, read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = DemonstrationNomination
        fields = [
            "id",
            "tenant",
            "tenant_name",
            "station_id",
            "station_name",
            "year",
            "reason",
            "nominated_at",
            "status",
            "decision_reason",
            "decided_at",
            "inspection",
            "inspection_score",
        ]
        read_only_fields = fields


class NominateSerializer(serializers.Serializer):
    station_id = serializers.IntegerField()
    reason = serializers.CharField()
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class DecideSerializer(serializers.Serializer):
    designate = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    inspection_id = serializers.IntegerField(required=False, allow_null=True, default=None)


YEAR = OpenApiParameter("year", int, description="The year (default: this year).")


def _year(request) -> int:
    return query_year(request.query_params)


class Indicators(TenantAPIView):
    """The indicators of a year (municipal union); its administrator defines them."""

    required_permissions = {"GET": Perm.VIEW_ROLLUPS, "POST": Perm.MANAGE_TENANTS}

    @extend_schema(parameters=[YEAR, *PAGE_PARAMETERS], responses=paginated(IndicatorSerializer))
    def get(self, request):
        return self.page(services.indicators(request.user, self.tenant, _year(request)), IndicatorSerializer)

    @extend_schema(request=IndicatorSerializer, responses={201: IndicatorSerializer})
    def post(self, request):
        data = IndicatorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        indicator = services.define_indicator(request.user, self.tenant, **data.validated_data)
        return Response(IndicatorSerializer(indicator).data, status=status.HTTP_201_CREATED)


class Scores(TenantAPIView):
    """Every county union's score of a year, with the inputs behind each indicator."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(parameters=[YEAR], responses=TenantScoreSerializer(many=True))
    def get(self, request):
        return Response(
            TenantScoreSerializer(services.tenant_scores(request.user, self.tenant, _year(request)), many=True).data
        )


class Inspections(TenantAPIView):
    """Item-by-item inspections of stations (municipal union)."""

    required_permissions = {"GET": Perm.VIEW_ROLLUPS, "POST": Perm.MANAGE_TENANTS}

    @extend_schema(parameters=PAGE_PARAMETERS, responses=paginated(InspectionSerializer))
    def get(self, request):
        return self.page(services.inspections(request.user, self.tenant), InspectionSerializer)

    @extend_schema(request=InspectRequestSerializer, responses={201: InspectionSerializer})
    def post(self, request):
        data = InspectRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        inspection = services.inspect_station(
            request.user,
            self.tenant,
            values["tenant"],
            values["station_id"],
            values["items_passed"],
            notes=values["notes"],
            inspected_on=values["inspected_on"],
        )
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class Nominations(TenantAPIView):
    """Demonstration-station nominations: a county union's own (and it nominates), or all (municipal union)."""

    required_permissions = {"GET": Perm.VIEW_HOME, "POST": StationsPerm.MANAGE}

    @extend_schema(parameters=PAGE_PARAMETERS, responses=paginated(NominationSerializer))
    def get(self, request):
        return self.page(services.nominations(request.user, self.tenant), NominationSerializer)

    @extend_schema(request=NominateSerializer, responses={201: NominationSerializer})
    def post(self, request):
        data = NominateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nomination = services.nominate_station(request.user, self.tenant, **data.validated_data)
        return Response(NominationSerializer(nomination).data, status=status.HTTP_201_CREATED)


class DecideNomination(TenantAPIView):
    """Designate a nominated station as a municipal demonstration station, or decline it with a reason."""

    required_permission = Perm.MANAGE_TENANTS

    @extend_schema(request=DecideSerializer, responses=NominationSerializer)
    def post(self, request, nomination_id: int):
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        nomination = services.decide_nomination(request.user, self.tenant, nomination_id, **data.validated_data)
        return Response(NominationSerializer(nomination).data)


urlpatterns = [
    path("assessment/indicators/", Indicators.as_view(), name="assessment-indicators"),
    path("assessment/scores/", Scores.as_view(), name="assessment-scores"),
    path("assessment/inspections/", Inspections.as_view(), name="assessment-inspections"),
    path("assessment/nominations/", Nominations.as_view(), name="assessment-nominations"),
    path(
        "assessment/nominations/<int:nomination_id>/decide/",
        DecideNomination.as_view(),
        name="assessment-nomination-decide",
    ),
]
