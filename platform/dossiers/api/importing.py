"""Dossier import over the API: ``POST /api/dossier-import/`` (see ``core.api.imports`` for the answers); one row
per household member, households become draft dossiers. Reasons never hold a full resident ID number."""

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
from dossiers.importing import import_dossiers


class DossierImportView(SpreadsheetImportView):
    """Import households from an Excel workbook as draft dossiers. Nothing is created unless every row is valid."""

    required_permission = Perm.DOSSIERS_EDIT
    importer = staticmethod(import_dossiers)

    @extend_schema(
        operation_id="dossier_import",
        tags=["dossiers"],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportResultSerializer, 400: ImportErrorSerializer},
        examples=[bad_row_example("身份证号", "The check character of this resident ID number is wrong.", "check")],
    )
    def post(self, request):
        return super().post(request)


urlpatterns = [path("dossier-import/", DossierImportView.as_view(), name="api-dossier-import")]
