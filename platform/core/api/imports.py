"""The shape of every spreadsheet import over the API (units, dossiers, …): a multipart ``file``, all or nothing.

201 ``{"created": n}``, or 400 with the API's error body whose errors also carry the row (as Excel numbers it),
the column's header and the cell: ``{"detail", "errors": [{"field": "file", "row": 5, "column": "…", "cell": "D5",
"reason": "…", "code": "…"}]}``. A subclass names its ``importer(actor, tenant, file) -> report`` and permission;
the report has ``ok``, ``created``, ``errors`` (row, column, cell, reason, code) and ``summary()``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An .xlsx workbook.")


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class ImportProblemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True, help_text="The row number as Excel shows it; null for the file.")
    column = serializers.CharField(allow_null=True, help_text="The column's header as written in the file; or null.")
    cell = serializers.CharField(allow_null=True, help_text="The cell reference, e.g. D5; null for the file.")
    reason = serializers.CharField()
    code = serializers.CharField()


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ImportProblemSerializer(many=True)


def bad_row_example(column: str, reason: str, code: str = "invalid") -> OpenApiExample:
    return OpenApiExample(
        "A bad row",
        status_codes=["400"],
        response_only=True,
        value={
            "detail": "Nothing was imported: the file has 1 problem.",
            "errors": [{"field": "file", "row": 5, "column": column, "cell": "D5", "reason": reason, "code": code}],
        },
    )


class SpreadsheetImportView(APIView):
    parser_classes = [MultiPartParser]

    @staticmethod
    def importer(actor, tenant, upload):  # pragma: no cover - set by the subclass
        raise NotImplementedError

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:  # the import's error shape, as the schema says: no row, column or cell
            problem = {"field": "file", "row": None, "column": None, "cell": None, "code": "required"}
            reason = _("Choose an Excel file (.xlsx) to upload.")
            return Response(
                {"detail": _("Invalid input."), "errors": [{**problem, "reason": reason}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        report = self.importer(request.user, request._request.tenant, upload)
        if not report.ok:
            errors = [
                {"field": "file", "row": e.row, "column": e.column, "cell": e.cell, "reason": e.reason, "code": e.code}
                for e in report.errors
            ]
            return Response({"detail": report.summary(), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created}, status=status.HTTP_201_CREATED)
