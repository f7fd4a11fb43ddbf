from django.http import HttpResponse
from django.urls import path

from core.access import require


def things_page(request):
    require(request.user, request.tenant, "dummy.view_things")
    from tests.dummy_plugin.models import Thing

    return HttpResponse(", ".join(Thing.objects.order_by("id").values_list("name", flat=True)))


urlpatterns = [path("things/", things_page, name="things")]
