"""Unit import over the API: ``POST /api/unit-import/`` (see ``core.api.imports`` for the answers)."""

from django.urls import path
from drf_spectacular.utils import extend_schema

from core.api.imports import (
    ImportErrorSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    SpreadsheetImportView,
    bad_row_example,
)
from core.roles import Perm
from stations.importing import import_units


class UnitImportView(SpreadsheetImportView):
    """Import units from an Excel workbook. Nothing is created unless every row is valid."""

    required_permission = Perm.STATIONS_MANAGE
    importer = staticmethod(import_units)

    @extend_schema(
        operation_id="unit_import",
        tags=["units"],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportResultSerializer, 400: ImportErrorSerializer},
        examples=[
            bad_row_example("统一社会信用代码", "The check character of this unified social credit code is wrong.")
        ],
    )
    def post(self, request):
        return super().post(request)


urlpatterns = [path("unit-import/", UnitImportView.as_view(), name="api-unit-import")]
