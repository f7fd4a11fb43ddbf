"""Unit import over the API: ``POST /api/unit-import/`` with a multipart ``file`` (.xlsx), all or nothing.

201 ``{"created": n}``, or 400 with the API's error body, each error also carrying the row (as Excel numbers it)
and the column's header: ``{"detail", "errors": [{"field": "file", "row": 5, "column": "统一社会信用代码",
"reason": "…", "code": "…"}]}``.
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
from stations.importing import MAX_FILE_SIZE, MAX_ROWS, import_units


class UnitImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=f"An .xlsx workbook, at most {MAX_FILE_SIZE // (1024 * 1024)} MB and {MAX_ROWS} rows."
    )


class UnitImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class UnitImportProblemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True, help_text="The row number as Excel shows it; null for the file.")
    column = serializers.CharField(allow_null=True, help_text="The column's header as written in the file.")
    cell = serializers.CharField(allow_null=True, help_text="The cell reference, e.g. D5.")
    reason = serializers.CharField()
    code = serializers.CharField()


class UnitUnitImportProblemSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = UnitImportProblemSerializer(many=True)


class UnitImportView(APIView):
    """Import units from an Excel workbook. Nothing is created unless every row is valid."""

    parser_classes = [MultiPartParser]
    required_permission = Perm.STATIONS_MANAGE

    @extend_schema(
        operation_id="unit_import",
        tags=["units"],
        request={"multipart/form-data": UnitImportUploadSerializer},
        responses={201: UnitImportResultSerializer, 400: UnitUnitImportProblemSerializer},
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
                            "column": "统一社会信用代码",
                            "cell": "D5",
                            "reason": "The check character of this unified social credit code is wrong.",
                            "code": "invalid",
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
        report = import_units(request.user, request._request.tenant, upload)
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
    path("unit-import/", UnitImportView.as_view(), name="api-unit-import"),
]
