from django.urls import path
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from core import scope
from core.api.base import TenantAPIMixin
from core.api.imports import import_api_view
from tests.dummy_plugin.importing import ThingImporter
from tests.dummy_plugin.models import Thing


class ThingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thing
        fields = ["id", "name", "amount"]


class ThingViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """Things of the union, on the core's API base; a member scoped to a unit sees that unit's things."""

    serializer_class = ThingSerializer
    required_permissions = {"GET": "dummy.view_things", "POST": "dummy.manage_things"}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.schema_only:
            return Thing.objects.none()
        return scope.limit(Thing.objects.order_by("id"), self.request.user, self.tenant, "unit")


router = SimpleRouter()
router.register("things", ThingViewSet, basename="thing")
urlpatterns = [
    path(
        "things/import/",
        import_api_view(
            ThingImporter, operation_id="dummy_things_import", tags=["dummy"], example=("名称", "Enter the name.")
        ),
        name="thing-import",
    ),
    *router.urls,
]
