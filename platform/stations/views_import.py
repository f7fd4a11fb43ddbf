"""Import and export pages: units from an Excel file (the import kit's pages), a fund ledger as Excel.

Mounted under /stations/ (namespace "stations") by stations.urls.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from core.importing import import_pages
from core.pages import tenant_page
from core.roles import Perm
from stations import exporting, importing
from stations.services import access_account


def _xlsx_response(content: bytes, ascii_name: str, utf8_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = exporting.content_disposition(ascii_name, utf8_name)
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_page(Perm.FUNDS_VIEW)
def fund_export(request, account_id: int):
    account = access_account(request.user, request.tenant, account_id)
    content = exporting.export_ledger(request.user, request.tenant, account.pk)
    return _xlsx_response(content, *exporting.ledger_filename(account))


urlpatterns = [
    *import_pages(
        importing.UnitImporter,
        "units/import/",
        "unit-import",
        done="stations:unit-list",
        filename="单位导入模板.xlsx",
        fallback="unit-import-template.xlsx",
    ),
    path("funds/<int:account_id>/export.xlsx", fund_export, name="fund-export"),
]
