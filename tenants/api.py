"""The tenants app's API: members, invitations, plugin activations and (municipal) tenants and their creation.

Mounted at the root of the API (``/api/members/`` …) like the core's own, by the app contract (``api.py``). Every
view runs on a tenant host and sees only that tenant; the services check permissions (``core.access``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from core.plugins import active_plugin_slugs, registry
from core.roles import Perm
from tenants import services
from tenants.models import NEW_TENANT_KINDS, Invitation, Membership, ProvisioningJob, Tenant, short_code_validator


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "full_name", "role", "app_roles", "unit_id", "created_at"]
        read_only_fields = ["id", "created_at"]


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.CharField()
    full_name = serializers.CharField(max_length=100, required=False, default="")
    email = serializers.EmailField(required=False, default="")
    password = serializers.CharField(required=False, default="", write_only=True, trim_whitespace=False)
    unit_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.CharField()
    unit_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    # Module roles held beside the platform role (``<module>.<role>``); left as they are when not sent.
    app_roles = serializers.ListField(child=serializers.CharField(max_length=80), required=False, max_length=20)


class InvitationRecordedSerializer(serializers.Serializer):
    detail = serializers.CharField()


def INVITATION_RECORDED() -> str:  # noqa: N802 - a message, evaluated in the request's language
    return str(_("An invitation has been recorded; the person joins when they accept it."))


class MemberViewSet(viewsets.ModelViewSet):
    """The tenant's members and their roles (tenant administrators only)."""

    serializer_class = MembershipSerializer
    required_permission = Perm.MANAGE_MEMBERS
    filterset_fields = ["role"]
    ordering_fields = ["created_at", "user__username"]
    http_method_names = ["get", "post", "patch", "delete"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return Membership.objects.none()
        return (
            Membership.objects.filter(tenant_id=self.request._request.tenant.pk)
            .select_related("user")
            .order_by("user__username")
        )

    @extend_schema(
        request=MemberCreateSerializer, responses={201: MembershipSerializer, 202: InvitationRecordedSerializer}
    )
    def create(self, request, *args, **kwargs):
        """A new username with a password: the account and its membership (201). Anything else: 202 with one
        fixed message — an existing account is invited and joins when it accepts; the answer is the same for an
        unknown username, so it never tells which usernames exist."""
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.add_member(request.user, request._request.tenant, **data.validated_data)
        if membership is None:
            return Response({"detail": INVITATION_RECORDED()}, status=status.HTTP_202_ACCEPTED)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses=MembershipSerializer)
    def partial_update(self, request, *args, **kwargs):
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_member_role(
            request.user, request._request.tenant, kwargs["pk"], **data.validated_data
        )
        return Response(MembershipSerializer(membership).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.remove_member(request.user, request._request.tenant, kwargs["pk"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tenant = serializers.CharField(source="tenant.name")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    invited_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    def get_invited_by(self, obj) -> str:
        return str(obj.invited_by) if obj.invited_by else ""


class InvitationViewSet(viewsets.GenericViewSet):
    """The current user's pending invitations to join other unions; accept or decline each (on any union the
    user already belongs to)."""

    serializer_class = InvitationSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return services.pending_invitations(self.request.user)

    def list(self, request):
        return Response(InvitationSerializer(self.get_queryset(), many=True).data)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        membership = services.accept_invitation(request.user, pk)
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        services.decline_invitation(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PluginSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    version = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField()


class PluginViewSet(viewsets.ViewSet):
    """Installed plugins and whether each is active on this tenant; PATCH switches one on or off."""

    required_permission = Perm.MANAGE_PLUGINS
    lookup_field = "slug"
    serializer_class = PluginSerializer

    def _row(self, cfg, active):
        return {"slug": cfg.slug, "name": str(cfg.verbose_name), "version": cfg.version, "is_active": active}

    def list(self, request):
        active = active_plugin_slugs(request._request.tenant)
        return Response([self._row(cfg, cfg.slug in active) for cfg in registry.all()])

    @extend_schema(
        request=PluginSerializer,
        responses=PluginSerializer,
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
    )
    def partial_update(self, request, slug=None):
        data = PluginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = request._request.tenant
        services.set_plugin_active(request.user, tenant, slug, data.validated_data["is_active"])
        return Response(self._row(registry.get(slug), data.validated_data["is_active"]))


class TenantSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # null: the municipal union
    domain = serializers.SerializerMethodField()

    class Meta:
        model = Tenant
        fields = ["id", "name", "short_code", "kind", "parent", "division_code", "is_active", "domain"]

    def get_domain(self, obj) -> str:
        domain = next((d for d in obj.domains.all() if d.is_primary), None)
        return domain.domain if domain else ""


class TenantRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    short_code = serializers.CharField(max_length=30, validators=[short_code_validator])  # with the other fields
    kind = serializers.ChoiceField(choices=NEW_TENANT_KINDS)
    parent = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.exclude(schema_name="public"))
    division_code = serializers.CharField(max_length=12, required=False, default="", allow_blank=True)
    admin_username = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    plugins = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ProvisioningJobSerializer(serializers.ModelSerializer):
    tenant = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ProvisioningJob
        fields = [
            "id",
            "name",
            "short_code",
            "kind",
            "status",
            "steps",
            "error",
            "tenant",
            "admin_username",
            "admin_created",
            "created_at",
            "finished_at",
        ]


class MunicipalOnly:
    def initial(self, request, *args, **kwargs):
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or not tenant.is_municipal:
            raise NotFound()  # these endpoints do not exist on other tenants
        super().initial(request, *args, **kwargs)


class TenantViewSet(MunicipalOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """All tenants (municipal administrators only). POST asks the worker to create one by cloning."""

    serializer_class = TenantSerializer
    required_permission = Perm.MANAGE_TENANTS
    filterset_fields = ["kind", "parent"]
    queryset = Tenant.objects.exclude(schema_name="public").prefetch_related("domains").order_by("id")

    @extend_schema(request=TenantRequestSerializer, responses={202: ProvisioningJobSerializer})
    def create(self, request):
        data = TenantRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.request_tenant(request.user, request._request.tenant, **data.validated_data)
        return Response(ProvisioningJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class InitialPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class ProvisioningJobViewSet(MunicipalOnly, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Progress of tenant creation requests."""

    serializer_class = ProvisioningJobSerializer
    required_permission = Perm.MANAGE_TENANTS
    queryset = ProvisioningJob.objects.all()

    @extend_schema(request=InitialPasswordSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="initial-password")
    def initial_password(self, request, pk=None):
        """Set the first password of the administrator account this job created (once)."""
        data = InitialPasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_initial_password(request.user, request._request.tenant, pk, data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


router = DefaultRouter()
router.register("members", MemberViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("plugin-activations", PluginViewSet, basename="plugin-activation")
# Not basename "tenant": its "tenant-list" would take the name of the tenants page, and the menu item and the
# provisioning page's way back would lead to the API.
router.register("tenants", TenantViewSet, basename="api-tenant")
router.register("provisioning-jobs", ProvisioningJobViewSet, basename="provisioning-job")

urlpatterns = router.urls
