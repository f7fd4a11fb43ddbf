"""The dossier API: hardship-worker dossiers with their household, lifecycle, eligibility and assistance; the
minimum-living standard; the annual review.

Views are thin: reads go through ``dossiers.services.visible_dossiers`` / ``access_dossier`` (the actor's unit
scope), every change through a service, which checks the permission and the scope again and raises a
ValidationError naming the fields (``core.api.errors`` turns it into a 400), PermissionDenied (403) for a step the
role may not take, or Http404 for "not yours" and "missing" alike.

Resident ID numbers: no response carries a full number except ``POST /api/dossier-members/<id>/reveal-id/``, which
goes through ``services.reveal_id_number`` (permission checked, each view audited); a number to look up travels in
a POST body, never in a URL.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from core.access import has_permission
from core.api.base import TenantAPIMixin
from core.people.models import Unit
from dossiers import services
from dossiers.api.serializers import (
    AssistanceInputSerializer,
    AssistanceSerializer,
    DossierInputSerializer,
    DossierListSerializer,
    DossierSerializer,
    LivingStandardResultSerializer,
    LivingStandardSerializer,
    LookupSerializer,
    RevealedIdSerializer,
    ReviewCampaignDetailSerializer,
    ReviewCampaignInputSerializer,
    ReviewCampaignSerializer,
    ReviewDecisionSerializer,
    ReviewTaskSerializer,
    TransitionInputSerializer,
)
from dossiers.models import (
    Assistance,
    Consent,
    Dossier,
    DossierTransition,
    HouseholdMember,
    LivingStandard,
    ReviewCampaign,
    ReviewTask,
)
from dossiers.permissions import DossiersPerm
from stations import services as stations
from stations.models import FundAccount, Station
from stations.permissions import StationsPerm


class NumericIds(TenantAPIMixin):
    """Ids in the dossier API's paths are digits (the router's pattern, stated in the schema)."""

    lookup_value_regex = "[0-9]+"


# --------------------------------------------------------------------------------------------- filters
class DossierFilter(django_filters.FilterSet):
    class Meta:
        model = Dossier
        fields = ["status", "tier", "main_cause", "employer", "station"]


class ReviewTaskFilter(django_filters.FilterSet):
    decided = django_filters.BooleanFilter(method="filter_decided", label="Has an outcome")

    class Meta:
        model = ReviewTask
        fields = ["in_sample", "outcome", "unchanged_for_a_year", "never_assisted", "decided"]

    def filter_decided(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(outcome="") if value else queryset.filter(outcome="")


# -------------------------------------------------------------------------------------------- dossiers
class DossierViewSet(NumericIds, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hardship-worker dossiers the user may see (all, or those of the membership's unit subtree).

    Members show their resident ID number masked; the full number only through
    `POST /api/dossier-members/{id}/reveal-id/` (audited)."""

    serializer_class = DossierSerializer
    required_permission = DossiersPerm.VIEW
    required_permissions = {"POST": DossiersPerm.EDIT, "PATCH": DossiersPerm.EDIT}
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    filterset_class = DossierFilter
    ordering_fields = ["created_at", "updated_at", "status", "tier", "per_capita_income"]

    def get_queryset(self):
        if self.schema_only:
            return Dossier.objects.none()
        dossiers = services.visible_dossiers(self.request.user, self.tenant).select_related("employer", "station")
        if self.action == "list" or self.action == "lookup":
            return dossiers.prefetch_related("members")
        return dossiers.select_related("filed_by", "reviewed_by").prefetch_related(
            "members",
            Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
            Prefetch("transitions", queryset=DossierTransition.objects.select_related("by")),
            Prefetch("assistance", queryset=self._assistance()),
        )

    def get_serializer_class(self):
        return DossierListSerializer if self.action == "list" else DossierSerializer

    @staticmethod
    def _assistance():
        return Assistance.objects.select_related(
            "recorded_by", "fund_entry__created_by", "fund_entry__reversed_by"
        ).order_by("-given_on", "-id")

    def _respond(self, dossier, status_code=status.HTTP_200_OK):
        # Re-read with everything the detail shows. A scoped user may have filed a dossier outside their own scope
        # (see the report on dossiers.services._apply_fields): answer with what the service returned.
        fresh = self.get_queryset().filter(pk=dossier.pk).first() or dossier
        return Response(DossierSerializer(fresh).data, status=status_code)

    def _input(self, request, partial=False) -> DossierInputSerializer:
        data = DossierInputSerializer(data=request.data, partial=partial)
        # Only units and stations the user may see can be chosen (all dossier roles may view stations).
        user, tenant = request.user, self.tenant
        can_see_units = has_permission(user, tenant, StationsPerm.VIEW)
        data.fields["employer"].queryset = (
            stations.visible_units(user, tenant) if can_see_units else Unit.objects.none()
        )
        data.fields["station"].queryset = (
            stations.visible_stations(user, tenant) if can_see_units else Station.objects.none()
        )
        data.is_valid(raise_exception=True)
        return data

    @extend_schema(request=DossierInputSerializer, responses={201: DossierSerializer})
    def create(self, request):
        """Open a household's dossier as a draft, with its members and any consents (建档)."""
        fields, members, consents = self._input(request).split()
        dossier = services.file_dossier(request.user, self.tenant, data=fields, members=members, consents=consents)
        return self._respond(dossier, status.HTTP_201_CREATED)

    @extend_schema(request=DossierInputSerializer, responses=DossierSerializer)
    def partial_update(self, request, pk=None):
        """Change a draft; `members`, when given, replaces the household."""
        instance = self.get_object()
        fields, members, consents = self._input(request, partial=True).split()
        dossier = services.update_dossier(
            request.user, self.tenant, instance.pk, data=fields, members=members, consents=consents
        )
        return self._respond(dossier)

    @extend_schema(request=TransitionInputSerializer, responses=DossierSerializer)
    @action(detail=True, methods=["post"], required_permissions={})
    def transition(self, request, pk=None):
        """Move the dossier along its lifecycle (draft → submitted → reviewed → filed; lifted, cancelled), with the
        reason. A step the role may not take answers 403; a step that does not exist, 400 on `to_status`."""
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dossier = services.transition(request.user, self.tenant, pk, **data.validated_data)
        return self._respond(dossier)

    @extend_schema(methods=["GET"], responses=AssistanceSerializer(many=True))
    @extend_schema(methods=["POST"], request=AssistanceInputSerializer, responses={201: AssistanceSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        required_permissions={"POST": DossiersPerm.RECORD_ASSISTANCE},
    )
    def assistance(self, request, pk=None):
        """GET: the help this household received, newest first. POST: record help given to a filed household; paid
        from a station fund (`fund_account`), it is booked in that fund's ledger in the same transaction."""
        if request.method == "POST":
            data = AssistanceInputSerializer(data=request.data)
            user, tenant = request.user, self.tenant
            data.fields["fund_account"].queryset = (
                stations.visible_accounts(user, tenant)
                if has_permission(user, tenant, StationsPerm.VIEW_FUNDS)
                else FundAccount.objects.none()
            )
            data.is_valid(raise_exception=True)
            help_ = services.record_assistance(user, tenant, pk, **data.service_kwargs())
            return Response(
                AssistanceSerializer(self._assistance().get(pk=help_.pk)).data, status=status.HTTP_201_CREATED
            )
        dossier = services.access_dossier(request.user, self.tenant, pk)
        page = self.paginate_queryset(self._assistance().filter(dossier=dossier))
        return self.get_paginated_response(AssistanceSerializer(page, many=True).data)

    @extend_schema(request=LookupSerializer, responses=DossierListSerializer(many=True))
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None, required_permissions={})
    def lookup(self, request):
        """The dossiers of this tenant in which a person appears, found by the keyed hash of the resident ID number
        (sent in the body, so that it never lands in a URL or an access log)."""
        data = LookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = services.find_by_id_number(request.user, self.tenant, data.validated_data["id_number"])
        found = found.select_related("employer", "station").prefetch_related("members").order_by("-created_at")
        return Response(DossierListSerializer(found, many=True).data)


class HouseholdMemberViewSet(NumericIds, viewsets.GenericViewSet):
    """Household members: only the audited reveal of a full resident ID number."""

    serializer_class = RevealedIdSerializer
    required_permission = DossiersPerm.VIEW
    http_method_names = ["post", "options"]

    def get_queryset(self):
        return HouseholdMember.objects.none()  # members are read through their dossier

    @extend_schema(request=None, responses=RevealedIdSerializer)
    @action(detail=True, methods=["post"], url_path="reveal-id", url_name="reveal-id")
    def reveal_id(self, request, pk=None):
        """The member's full resident ID number, for roles that may see it; each call is recorded in the audit
        table. Other roles get 404, as for a member that does not exist."""
        number = services.reveal_id_number(request.user, self.tenant, pk, channel="api")
        response = Response({"id_number": number})
        response["Cache-Control"] = "no-store"
        return response


# ------------------------------------------------------------------------------------- living standard
class LivingStandardViewSet(NumericIds, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tenant's minimum-living standard (低保) per year. POST sets a year's standard and recomputes the
    eligibility of every live dossier."""

    serializer_class = LivingStandardSerializer
    required_permission = DossiersPerm.VIEW
    required_permissions = {"POST": DossiersPerm.FILE}
    filter_backends = [OrderingFilter]
    ordering_fields = ["year"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return LivingStandard.objects.all()

    @extend_schema(request=LivingStandardSerializer, responses=LivingStandardResultSerializer)
    def create(self, request):
        data = LivingStandardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        year = data.validated_data["year"]
        changed = services.set_living_standard(
            request.user, self.tenant, year=year, monthly_per_capita=data.validated_data["monthly_per_capita"]
        )
        standard = LivingStandard.objects.get(year=year)
        standard.changed_tiers = changed
        return Response(LivingStandardResultSerializer(standard).data)


# ---------------------------------------------------------------------------------------- annual review
class ReviewCampaignViewSet(NumericIds, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The annual concentrated review (年度集中清理复核): one campaign a year, a task for every filed dossier."""

    serializer_class = ReviewCampaignSerializer
    required_permission = DossiersPerm.VIEW
    required_permissions = {"POST": DossiersPerm.FILE}
    filterset_class = None  # the tasks action has its own
    ordering_fields = ["year"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.action == "tasks":
            if self.schema_only:
                return ReviewTask.objects.none()
            return (
                ReviewTask.objects.filter(dossier__in=services.visible_dossiers(self.request.user, self.tenant))
                .select_related("dossier", "decided_by")
                .prefetch_related("dossier__members")
            )
        return ReviewCampaign.objects.select_related("started_by")

    def get_serializer_class(self):
        return ReviewCampaignDetailSerializer if self.action == "retrieve" else ReviewCampaignSerializer

    @extend_schema(
        request=ReviewCampaignInputSerializer,
        responses={201: ReviewCampaignDetailSerializer, 200: ReviewCampaignDetailSerializer},
    )
    def create(self, request):
        """Start the year's review (201), or continue it (200: the same campaign; tasks are added only for dossiers
        filed since)."""
        data = ReviewCampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = ReviewCampaign.objects.filter(year=data.validated_data["year"]).exists()
        campaign = services.start_annual_review(request.user, self.tenant, **data.validated_data)
        return Response(
            ReviewCampaignDetailSerializer(campaign).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The campaign.")],
        responses=ReviewTaskSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=ReviewTaskFilter, ordering_fields=["dossier", "decided_at"])
    def tasks(self, request, pk=None):
        """The campaign's tasks for the dossiers the user may see."""
        if not ReviewCampaign.objects.filter(pk=pk).exists():
            raise NotFound()
        tasks = self.filter_queryset(self.get_queryset().filter(campaign_id=pk))
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(ReviewTaskSerializer(page, many=True).data)


class ReviewTaskViewSet(NumericIds, viewsets.GenericViewSet):
    """Annual-review tasks: record the outcome of one."""

    serializer_class = ReviewTaskSerializer
    required_permission = DossiersPerm.REVIEW
    http_method_names = ["post", "options"]

    def get_queryset(self):
        return ReviewTask.objects.none()  # read through their campaign

    @extend_schema(request=ReviewDecisionSerializer, responses=ReviewTaskSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Keep, supplement, lift or cancel, with the evidence; lift and cancel also move the dossier."""
        data = ReviewDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.decide_review(request.user, self.tenant, pk, **data.validated_data)
        task = (
            ReviewTask.objects.select_related("dossier", "decided_by")
            .prefetch_related("dossier__members")
            .get(pk=task.pk)
        )
        return Response(ReviewTaskSerializer(task).data)


router = SimpleRouter()
router.register("dossiers", DossierViewSet, basename="dossier")
router.register("dossier-members", HouseholdMemberViewSet, basename="dossier-member")
router.register("living-standards", LivingStandardViewSet, basename="living-standard")
router.register("review-campaigns", ReviewCampaignViewSet, basename="review-campaign")
router.register("review-tasks", ReviewTaskViewSet, basename="review-task")

urlpatterns = [*router.urls]
