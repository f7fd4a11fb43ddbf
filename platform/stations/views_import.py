"""Import and export pages: units from an Excel file (the import kit's pages), a fund ledger as Excel.

Mounted under /stations/ (namespace "stations") by stations.urls.
"""

from __future__ import annotations

from django.urls import path

from core.importing import import_pages
from core.pages import tenant_page, xlsx_response
from stations import exporting, importing
from stations.permissions import StationsPerm
from stations.services import access_account


@tenant_page(StationsPerm.VIEW_FUNDS)
def fund_export(request, account_id: int):
    account = access_account(request.user, request.tenant, account_id)
    content = exporting.export_ledger(request.user, request.tenant, account.pk)
    fallback, filename = exporting.ledger_filename(account)
    return xlsx_response(content, filename, fallback=fallback)


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
