"""API for pairing cadres with households (结对帮扶) and logging their visits."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.dates import past_record
from dossiers import services
from dossiers.api.serializers import PairingSerializer, PairingVisitSerializer
from dossiers.permissions import DossiersPerm


class PairRequest(serializers.Serializer):
    cadre_name = serializers.CharField(max_length=50)
    cadre_position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None, validators=[past_record])


class VisitRequest(serializers.Serializer):
    visited_on = serializers.DateField(validators=[past_record])
    note = serializers.CharField()


class EndRequest(serializers.Serializer):
    until = serializers.DateField(required=False, allow_null=True, default=None, validators=[past_record])


class Pair(TenantAPIView):
    required_permission = DossiersPerm.RECORD_ASSISTANCE

    @extend_schema(request=PairRequest, responses={201: PairingSerializer})
    def post(self, request, dossier_id: int):
        data = PairRequest(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = services.pair_cadre(request.user, self.tenant, dossier_id, **data.validated_data)
        return Response(PairingSerializer(pairing).data, status=status.HTTP_201_CREATED)


class Visit(TenantAPIView):
    required_permission = DossiersPerm.RECORD_ASSISTANCE

    @extend_schema(request=VisitRequest, responses={201: PairingVisitSerializer})
    def post(self, request, pairing_id: int):
        data = VisitRequest(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.log_pairing_visit(request.user, self.tenant, pairing_id, **data.validated_data)
        return Response(PairingVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class End(TenantAPIView):
    required_permission = DossiersPerm.RECORD_ASSISTANCE

    @extend_schema(request=EndRequest, responses=PairingSerializer)
    def post(self, request, pairing_id: int):
        data = EndRequest(data=request.data)
        data.is_valid(raise_exception=True)
        pairing = services.end_pairing(request.user, self.tenant, pairing_id, **data.validated_data)
        return Response(PairingSerializer(pairing).data)


urlpatterns = [
    path("dossiers/<int:dossier_id>/pairings/", Pair.as_view(), name="dossier-pairings"),
    path("pairings/<int:pairing_id>/visits/", Visit.as_view(), name="pairing-visits"),
    path("pairings/<int:pairing_id>/end/", End.as_view(), name="pairing-end"),
]
