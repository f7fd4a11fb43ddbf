"""The core's API: token login and the current user (members, invitations, plugin activations and tenants are
the tenants app's, ``tenants.api``).

Every view runs on a tenant host and sees only that tenant; permissions come from ``core.access``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import twofactor
from core.access import membership_for, permissions_for
from core.auth import LoginThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(
        required=False, default="", max_length=10, help_text="The authenticator app's code, for two-factor users."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(APIView):
    """Exchange username + password (+ ``otp_token`` once the user has two-factor sign-in) for an API token. Only
    members of this tenant get one."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer)
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = getattr(request._request, "tenant", None)
        if tenant is None:
            raise NotFound()
        credentials = {k: data.validated_data[k] for k in ("username", "password")}
        throttle = LoginThrottle(request._request, credentials["username"])
        if throttle.is_locked():
            raise Throttled(detail=_("Too many failed attempts. Please try again later."))
        user = authenticate(request._request, **credentials)
        if user is None or membership_for(user, tenant) is None:
            throttle.record_failure()
            # Same answer for "no such user", "wrong password" and "not a member here".
            raise ValidationError({"non_field_errors": [_("Please enter a correct username and password.")]})
        if twofactor.confirmed_device(user) is not None:
            if twofactor.check_code(user, data.validated_data["otp_token"]) is None:
                throttle.record_failure()
                raise ValidationError({"otp_token": [_("This code is not right (or was used already).")]})
        elif twofactor.requires_two_factor(user, tenant):
            raise ValidationError(
                {"otp_token": [_("Two-factor sign-in is required: set it up on the two-factor page first.")]}
            )
        throttle.reset()
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    tenant = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who am I on this tenant: role and permissions."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        tenant = request._request.tenant
        membership = membership_for(request.user, tenant)
        return Response(
            {
                "username": request.user.username,
                "full_name": request.user.full_name,
                "tenant": tenant.short_code,
                "role": membership.role,
                "permissions": sorted(permissions_for(request.user, tenant)),
            }
        )
