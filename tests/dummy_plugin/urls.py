import django_filters
from django.http import HttpResponse
from django.urls import path

from core import scope
from core.importing import import_pages
from core.pages import ListPage, tenant_page
from tests.dummy_plugin.importing import ThingImporter


class ThingFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")


@tenant_page("dummy.view_things")
def things_page(request):
    """The things the member may see (core.scope: a member scoped to a unit sees that unit's things), as a list
    page of the kit: filtered, sorted, paged, counted."""
    from tests.dummy_plugin.models import Thing

    things = scope.limit(Thing.objects.all(), request.user, request.tenant, "unit")
    page = ListPage(request, things, ThingFilter, sorts={"name": "name", "amount": "amount"}, default_sort="pk")
    names = ", ".join(thing.name for thing in page.page.object_list)
    return HttpResponse(names if page.total == len(page.page.object_list) else f"{names} ({page.total})")


urlpatterns = [
    path("things/", things_page, name="things"),
    *import_pages(
        ThingImporter, "things/import/", "thing-import", done="plugins:dummy:things",
        filename="物品导入模板.xlsx", fallback="things-template.xlsx",
    ),
]  # fmt: skip
