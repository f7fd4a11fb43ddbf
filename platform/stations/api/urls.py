"""API URLs of the stations, mounted at /api/ by core.urls (namespace-free, like the core's router)."""

from django.urls import path

from core.api.imports import import_api_view
from stations.api import views
from stations.importing import UnitImporter

unit_import = import_api_view(
    UnitImporter,
    operation_id="unit_import",
    tags=["units"],
    example=("统一社会信用代码", "The check character of this unified social credit code is wrong."),
)
urlpatterns = [*views.urlpatterns, path("unit-import/", unit_import, name="api-unit-import")]
