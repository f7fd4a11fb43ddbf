"""API of the exchange between unions (mounted under /api/ by core.urls)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.api.pagination import PAGE_PARAMETERS, paginated
from core.roles import Perm
from dossiers.permissions import DossiersPerm
from exchange import services
from exchange.models import Referral, Transfer
from tenants.models import Tenant


class ReferralSerializer(serializers.ModelSerializer):
    from_tenant = serializers.CharField(source="from_tenant.name", read_only=True)
    to_tenant = serializers.CharField(source="to_tenant.name", read_only=True)

    class Meta:
        model = Referral
        fields = ["id", "from_tenant", "to_tenant", "from_dossier_id", "summary", "request", "status",
                  "decision_reason", "sent_at", "decided_at"]  # fmt: skip
        read_only_fields = fields


class EscalateSerializer(serializers.Serializer):
    request = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["accepted", "declined", "returned"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TransferRequestSerializer(serializers.Serializer):
    # Only unions that keep dossiers, never the municipal union (the view narrows it to the sender's targets).
    to_tenant = serializers.SlugRelatedField(
        slug_field="short_code",
        queryset=Tenant.objects.filter(is_active=True, kind__in=services.DOSSIER_KEEPING_KINDS),
    )
    reason = serializers.CharField()


class TransferSerializer(serializers.ModelSerializer):
    to_tenant = serializers.CharField(source="to_tenant.short_code", read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "to_tenant", "from_dossier_id", "to_dossier_id", "reason", "at"]
        read_only_fields = fields


class ReceivedReferrals(TenantAPIView):
    """Referrals other unions sent to this one."""

    required_permission = DossiersPerm.FILE

    @extend_schema(parameters=PAGE_PARAMETERS, responses=paginated(ReferralSerializer))
    def get(self, request):
        return self.page(services.referrals_received(request.user, self.tenant), ReferralSerializer)


class SentReferrals(TenantAPIView):
    """Referrals this union sent, with their state."""

    required_permission = DossiersPerm.VIEW

    @extend_schema(parameters=PAGE_PARAMETERS, responses=paginated(ReferralSerializer))
    def get(self, request):
        return self.page(services.referrals_sent(request.user, self.tenant), ReferralSerializer)


class DecideReferral(TenantAPIView):
    required_permission = DossiersPerm.FILE

    @extend_schema(request=DecisionSerializer, responses=ReferralSerializer)
    def post(self, request, referral_id: int):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.decide_referral(request.user, self.tenant, referral_id, **data.validated_data)
        return Response(ReferralSerializer(referral).data)


class Escalate(TenantAPIView):
    """Refer a dossier's case to the parent union (needs the worker's recorded consent)."""

    required_permission = DossiersPerm.FILE

    @extend_schema(request=EscalateSerializer, responses={201: ReferralSerializer})
    def post(self, request, dossier_id: int):
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.escalate_to_parent(request.user, self.tenant, dossier_id, **data.validated_data)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class EscalateToUnion(TenantAPIView):
    """A unit passes a case it cannot solve to its own union."""

    required_permission = DossiersPerm.EDIT

    @extend_schema(request=EscalateSerializer, responses={201: ReferralSerializer})
    def post(self, request, dossier_id: int):
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.escalate_to_union(request.user, self.tenant, dossier_id, **data.validated_data)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class TransferDossier(TenantAPIView):
    """Move a dossier with its history to another union."""

    required_permission = DossiersPerm.FILE

    @extend_schema(request=TransferRequestSerializer, responses={201: TransferSerializer})
    def post(self, request, dossier_id: int):
        data = TransferRequestSerializer(data=request.data)
        data.fields["to_tenant"].queryset = services.transfer_targets(self.tenant)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_dossier(request.user, self.tenant, dossier_id, **data.validated_data)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class DuplicateCountSerializer(serializers.Serializer):
    duplicates = serializers.IntegerField()


class DossierDuplicates(TenantAPIView):
    """How many live dossiers in other unions share a person with this one (never which unions)."""

    required_permission = DossiersPerm.VIEW

    @extend_schema(responses=DuplicateCountSerializer)
    def get(self, request, dossier_id: int):
        from dossiers.services import access_dossier

        dossier = access_dossier(request.user, self.tenant, dossier_id)
        return Response({"duplicates": services.duplicate_count(self.tenant, dossier.pk)})


class DuplicatePairSerializer(serializers.Serializer):
    tenant = serializers.CharField()
    other_tenant = serializers.CharField()
    dossiers = serializers.IntegerField()


class DuplicatesAcrossTenants(TenantAPIView):
    """For the municipal union: which unions hold the same people."""

    required_permission = Perm.VIEW_ROLLUPS

    @extend_schema(responses=DuplicatePairSerializer(many=True))
    def get(self, request):
        return Response(services.duplicates_across_tenants(request.user, self.tenant))


urlpatterns = [
    path("referrals/received/", ReceivedReferrals.as_view(), name="referrals-received"),
    path("referrals/sent/", SentReferrals.as_view(), name="referrals-sent"),
    path("referrals/<int:referral_id>/decide/", DecideReferral.as_view(), name="referral-decide"),
    path("dossiers/<int:dossier_id>/escalate/", Escalate.as_view(), name="dossier-escalate"),
    path("dossiers/<int:dossier_id>/escalate-to-union/", EscalateToUnion.as_view(), name="dossier-escalate-union"),
    path("dossiers/<int:dossier_id>/transfer/", TransferDossier.as_view(), name="dossier-transfer"),
    path("dossiers/<int:dossier_id>/duplicates/", DossierDuplicates.as_view(), name="dossier-duplicates"),
    path("duplicates/", DuplicatesAcrossTenants.as_view(), name="duplicates-across-tenants"),
]
