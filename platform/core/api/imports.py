"""The shape of every spreadsheet import over the API (units, dossiers, …): a multipart ``file``, all or nothing.

201 ``{"created": n}``; 202 ``{"job", "status", "url"}`` when the file is large enough for the worker; or 400
with the API's error body whose errors also carry the row (as Excel numbers it), the column's header and the
cell: ``{"detail", "errors": [{"field": "file", "row": 5, "column": "…", "cell": "D5", "reason": "…",
"code": "…"}]}``. ``import_api_view(SomeImporter, operation_id=…, tags=…, example=(column, reason))`` makes the
view of an app's ``core.importing.Importer``; no app writes its own.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.importing import start_import
from core.jobs.models import ImportJob


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An .xlsx workbook.")


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class ImportQueuedSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="The import job; large files are imported by the worker.")
    status = serializers.CharField()
    url = serializers.CharField(help_text="The job's page; with Accept: application/json, its progress.")


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


class ImportAPIView(APIView):
    """``POST`` a multipart ``file``: the importer runs it (all or nothing) and the answer is the import's shape."""

    parser_classes = [MultiPartParser]
    importer_class = None  # a core.importing.Importer subclass, set by import_api_view

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:  # the import's error shape, as the schema says: no row, column or cell
            problem = {"field": "file", "row": None, "column": None, "cell": None, "code": "required"}
            reason = _("Choose an Excel file (.xlsx) to upload.")
            return Response(
                {"detail": _("Invalid input."), "errors": [{**problem, "reason": reason}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        report = start_import(self.importer_class, request.user, request._request.tenant, upload)
        if isinstance(report, ImportJob):  # a large file: the worker imports it; the job's page shows how far
            url = reverse("jobs:import-job", kwargs={"job_id": report.pk})
            return Response({"job": report.pk, "status": report.status, "url": url}, status=status.HTTP_202_ACCEPTED)
        if not report.ok:
            errors = [
                {"field": "file", "row": e.row, "column": e.column, "cell": e.cell, "reason": e.reason, "code": e.code}
                for e in report.errors
            ]
            return Response({"detail": report.summary(), "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created}, status=status.HTTP_201_CREATED)


def import_api_view(importer_class, *, operation_id: str, tags: list[str], example: tuple[str, ...]):
    """The API view of one importer, with its schema (``example`` = (column, reason[, code]) of a bad row)."""
    schema = extend_schema(
        operation_id=operation_id,
        tags=tags,
        description=(importer_class.__doc__ or "").strip() + " Nothing is created unless every row is valid.",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportResultSerializer, 202: ImportQueuedSerializer, 400: ImportErrorSerializer},
        examples=[bad_row_example(*example)],
    )

    def post(self, request):  # a function of its own: the schema is attached to it
        return ImportAPIView.post(self, request)

    view = type(
        importer_class.__name__.removesuffix("Importer") + "ImportView",
        (ImportAPIView,),
        {
            "importer_class": importer_class,
            "required_permission": importer_class.permission,
            "post": schema(post),
        },
    )
    return view.as_view()
