from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from tests.dummy_plugin.models import Thing


class ThingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thing
        fields = ["id", "name", "amount"]


class ThingViewSet(viewsets.ModelViewSet):
    queryset = Thing.objects.order_by("id")
    serializer_class = ThingSerializer
    required_permissions = {"GET": "dummy.view_things", "POST": "dummy.manage_things"}


router = SimpleRouter()
router.register("things", ThingViewSet, basename="thing")
urlpatterns = router.urls
