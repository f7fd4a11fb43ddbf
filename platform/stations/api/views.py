"""The station API: units with their coverage, stations, the reception register, the fund ledger and the
coverage figures.

Views are thin: reads go through ``stations.services.visible_*`` (the actor's unit scope), every change through a
service, which checks the permission and the scope again and raises a ValidationError naming the fields
(``core.api.errors`` turns it into a 400) or Http404 for "not yours" and "missing" alike.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from core.api.base import TenantAPIMixin, TenantAPIView
from core.people.models import Unit
from stations import services
from stations.api import filters
from stations.api.serializers import (
    CoverageQuerySerializer,
    CoverageSerializer,
    FundAccountCreateSerializer,
    FundAccountSerializer,
    FundEntrySerializer,
    FundExpenditureSerializer,
    FundIncomeSerializer,
    FundReversalSerializer,
    ReceptionArchiveSerializer,
    ReceptionCloseSerializer,
    ReceptionHandleSerializer,
    ReceptionRecordSerializer,
    ReceptionRegisterSerializer,
    StationSerializer,
    UnitSerializer,
)
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station, StationPolicy
from stations.permissions import StationsPerm


# ------------------------------------------------------------------------------------------------- units
class UnitViewSet(TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The tenant's units (union, enterprises, zones, townships, communities), each with its coverage."""

    serializer_class = UnitSerializer
    required_permission = StationsPerm.VIEW
    required_permissions = {"POST": StationsPerm.MANAGE, "PATCH": StationsPerm.MANAGE}
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = filters.UnitFilter
    search_fields = ["name"]
    ordering_fields = ["kind", "name", "employee_count", "created_at"]

    def get_queryset(self):
        if self.schema_only:
            return Unit.objects.none()
        # The open stations of a whole page in one query: the coverage of each row needs their kinds.
        open_stations = Station.objects.filter(services.open_on(timezone.localdate())).only("id", "unit", "kind")
        units = services.visible_units(self.request.user, self.tenant)
        return units.prefetch_related(Prefetch("stations", queryset=open_stations, to_attr="open_stations"))

    @extend_schema(request=UnitSerializer, responses={201: UnitSerializer})
    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.save_unit(request.user, self.tenant, data.validated_data)
        return Response(self.get_serializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UnitSerializer, responses=UnitSerializer)
    def partial_update(self, request, pk=None):
        instance = self.get_object()
        data = self.get_serializer(instance, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        unit = services.save_unit(request.user, self.tenant, data.validated_data, instance)
        return Response(self.get_serializer(unit).data)


# ---------------------------------------------------------------------------------------------- stations
class StationViewSet(TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stations the user may see (all, or those of the membership's unit subtree), with what each lacks."""

    serializer_class = StationSerializer
    required_permission = StationsPerm.VIEW
    required_permissions = {"POST": StationsPerm.MANAGE, "PATCH": StationsPerm.MANAGE}
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = filters.StationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind", "established_on", "created_at"]

    def get_queryset(self):
        if self.schema_only:
            return Station.objects.none()
        return (
            services.visible_stations(self.request.user, self.tenant)
            .select_related("unit")
            .prefetch_related("staff", "service_points")
        )

    @extend_schema(request=StationSerializer, responses={201: StationSerializer})
    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        station = services.save_station(request.user, self.tenant, data.validated_data)
        return Response(self.get_serializer(station).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StationSerializer, responses=StationSerializer)
    def partial_update(self, request, pk=None):
        instance = self.get_object()
        data = self.get_serializer(instance, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        station = services.save_station(request.user, self.tenant, data.validated_data, instance)
        return Response(self.get_serializer(station).data)


# --------------------------------------------------------------------------------------------- reception
class ReceptionRecordViewSet(TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The four-haves register (登记 → 归档 → 办理 → 办结) of the stations the user may see.

    `?overdue=true` lists the records not closed within the tenant's time limit."""

    serializer_class = ReceptionRecordSerializer
    required_permission = StationsPerm.VIEW
    required_permissions = {"POST": StationsPerm.REGISTER_VISITS}
    filterset_class = filters.ReceptionFilter
    ordering_fields = ["visited_at", "registered_at", "stage"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.schema_only:
            return ReceptionRecord.objects.none()
        return ReceptionRecord.objects.filter(
            station__in=services.visible_stations(self.request.user, self.tenant)
        ).select_related("station", "registered_by", "archived_by", "handled_by", "closed_by")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.schema_only:
            context["policy"] = StationPolicy.current()
        return context

    def _respond(self, record, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data, status=status_code)

    @extend_schema(request=ReceptionRegisterSerializer, responses={201: ReceptionRecordSerializer})
    def create(self, request):
        data = ReceptionRegisterSerializer(data=request.data)
        data.fields["station"].queryset = services.visible_stations(request.user, self.tenant)
        data.is_valid(raise_exception=True)
        record = services.register_visit(request.user, self.tenant, **data.validated_data)
        return self._respond(record, status.HTTP_201_CREATED)

    def _advance(self, service, serializer_class, pk):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return self._respond(service(self.request.user, self.tenant, pk, **data.validated_data))

    @extend_schema(request=ReceptionArchiveSerializer, responses=ReceptionRecordSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Stage 2: archived for reference, with its archive reference."""
        return self._advance(services.archive_visit, ReceptionArchiveSerializer, pk)

    @extend_schema(request=ReceptionHandleSerializer, responses=ReceptionRecordSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        """Stage 3: handled / delivered, with what was done and any referral."""
        return self._advance(services.handle_visit, ReceptionHandleSerializer, pk)

    @extend_schema(request=ReceptionCloseSerializer, responses=ReceptionRecordSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Stage 4: closed with the completion report."""
        return self._advance(services.close_visit, ReceptionCloseSerializer, pk)


# ------------------------------------------------------------------------------------------------- funds
class FundAccountViewSet(TenantAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Station fund accounts (and the union's own). Entries are immutable: a mistake is corrected by reversing."""

    serializer_class = FundAccountSerializer
    required_permission = StationsPerm.VIEW_FUNDS
    required_permissions = {"POST": StationsPerm.BOOK_FUNDS}
    filterset_class = filters.FundAccountFilter
    ordering_fields = ["name", "balance", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.schema_only:
            return FundAccount.objects.none()
        return services.visible_accounts(self.request.user, self.tenant).select_related("station")

    @extend_schema(request=FundAccountCreateSerializer, responses={201: FundAccountSerializer})
    def create(self, request):
        data = FundAccountCreateSerializer(data=request.data)
        data.fields["station"].queryset = services.visible_stations(request.user, self.tenant)
        data.is_valid(raise_exception=True)
        account = services.open_account(request.user, self.tenant, **data.validated_data)
        return Response(FundAccountSerializer(account).data, status=status.HTTP_201_CREATED)

    def _book(self, service, serializer_class, pk):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        entry = service(self.request.user, self.tenant, pk, **data.validated_data)
        return Response(FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FundIncomeSerializer, responses={201: FundEntrySerializer})
    @action(detail=True, methods=["post"])
    def income(self, request, pk=None):
        """Book income (amount as a string, e.g. "1200.50")."""
        return self._book(services.book_income, FundIncomeSerializer, pk)

    @extend_schema(request=FundExpenditureSerializer, responses={201: FundEntrySerializer})
    @action(detail=True, methods=["post"])
    def expenditure(self, request, pk=None):
        """Spend from the account; refused (400 on "amount") when the balance does not cover it."""
        return self._book(services.book_expenditure, FundExpenditureSerializer, pk)

    @extend_schema(responses=FundEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def entries(self, request, pk=None):
        """The account's ledger, oldest entry first."""
        account = self.get_object()
        entries = FundEntry.objects.filter(account=account).select_related("created_by", "reversed_by").order_by("id")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(FundEntrySerializer(page, many=True).data)


class FundEntryViewSet(TenantAPIMixin, viewsets.GenericViewSet):
    """Ledger entries: only a reversal (a new entry of the opposite amount) can correct one."""

    serializer_class = FundEntrySerializer
    required_permission = StationsPerm.BOOK_FUNDS
    http_method_names = ["post", "options"]

    def get_queryset(self):
        if self.schema_only:
            return FundEntry.objects.none()
        return FundEntry.objects.filter(account__in=services.visible_accounts(self.request.user, self.tenant))

    @extend_schema(request=FundReversalSerializer, responses={201: FundEntrySerializer})
    @action(detail=True, methods=["post"], url_path="reverse", url_name="reverse")
    def reverse_entry(self, request, pk=None):
        """Reverse an entry (say why in `note`); an entry is reversed at most once."""
        data = FundReversalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.reverse_entry(request.user, self.tenant, pk, **data.validated_data)
        return Response(FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------- coverage
class CoverageView(TenantAPIView):
    """D-ST2: the share of above-size enterprises with a union that have a station, against the year's target."""

    required_permission = StationsPerm.VIEW

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="The year (default: the current year).")],
        responses=CoverageSerializer,
    )
    def get(self, request):
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        return Response(CoverageSerializer(services.coverage_figures(year)).data)


router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("stations", StationViewSet, basename="station")
router.register("reception-records", ReceptionRecordViewSet, basename="station-reception-record")
router.register("fund-accounts", FundAccountViewSet, basename="station-fund-account")
router.register("fund-entries", FundEntryViewSet, basename="station-fund-entry")

urlpatterns = [*router.urls, path("coverage/", CoverageView.as_view(), name="station-coverage")]
