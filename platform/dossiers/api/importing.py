"""Dossier import over the API: ``POST /api/dossier-import/`` with a multipart ``file`` (.xlsx), all or nothing.

201 ``{"created": n}``, or 400 with the API's error body, each error also carrying the row (as Excel numbers it)
and the column's header: ``{"detail", "errors": [{"field": "file", "row": 5, "column": "身份证号", "cell": "D5",
"reason": "…", "code": "…"}]}``. Reasons never hold a full resident ID number.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import Perm
from dossiers.importing import MAX_FILE_SIZE, MAX_ROWS, import_dossiers


class DossierImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"An .xlsx workbook, one row per household member, at most {MAX_FILE_SIZE // (1024 * 1024)} MB "
        f"and {MAX_ROWS} rows."
    )


class DossierImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Dossiers (households) created as drafts.")


class DossierImportProblemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True, help_text="The row number as Excel shows it; null for the file.")
    column = serializers.CharField(allow_null=True, help_text="The column's header as written in the file.")
    cell = serializers.CharField(allow_null=True, help_text="The cell reference, e.g. D5.")
    reason = serializers.CharField()
    code = serializers.CharField()


class DossierImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = DossierImportProblemSerializer(many=True)


class DossierImportView(APIView):
    """Import households from an Excel workbook as draft dossiers. Nothing is created unless every row is valid."""

    parser_classes = [MultiPartParser]
    required_permission = Perm.DOSSIERS_EDIT

    @extend_schema(
        operation_id="dossier_import",
        tags=["dossiers"],
        request={"multipart/form-data": DossierImportUploadSerializer},
        responses={201: DossierImportResultSerializer, 400: DossierImportErrorSerializer},
        examples=[
            OpenApiExample(
                "A bad row",
                status_codes=["400"],
                response_only=True,
                value={
                    "detail": "Nothing was imported: the file has 1 problem.",
                    "errors": [
                        {
                            "field": "file",
                            "row": 5,
                            "column": "身份证号",
                            "cell": "D5",
                            "reason": "The check character of this resident ID number is wrong.",
                            "code": "check",
                        }
                    ],
                },
            )
        ],
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Choose an Excel file (.xlsx) to upload.")]})
        report = import_dossiers(request.user, request._request.tenant, upload)
        if not report.ok:
            errors = [
                {
                    "field": "file",
                    "row": error.row,
                    "column": error.column,
                    "cell": error.cell,
                    "reason": error.reason,
                    "code": error.code,
                }
                for error in report.errors
            ]
            return Response({"detail": report.summary(), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("dossier-import/", DossierImportView.as_view(), name="api-dossier-import"),
]
