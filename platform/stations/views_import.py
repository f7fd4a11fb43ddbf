"""Import and export pages: units from an Excel file (all or nothing), the import template, a fund ledger as Excel.

Mounted under /stations/ (namespace "stations") by stations.urls.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.pages import tenant_page
from core.roles import Perm
from stations import exporting, importing
from stations.services import access_account


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + importing.XLSX_CONTENT_TYPE}),
    )


def _xlsx_response(content: bytes, ascii_name: str, utf8_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = exporting.content_disposition(ascii_name, utf8_name)
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_page(Perm.STATIONS_MANAGE)
def unit_import(request):
    form = UnitImportForm(request.POST, request.FILES) if request.method == "POST" else UnitImportForm()
    report = None
    if request.method == "POST" and form.is_valid():
        report = importing.import_units(request.user, request.tenant, form.cleaned_data["file"])
        if report.ok:
            messages.success(request, report.summary())
            return redirect("stations:unit-list")
    context = {
        "form": form,
        "report": report,
        "max_rows": importing.MAX_ROWS,
        "max_megabytes": importing.MAX_FILE_SIZE // (1024 * 1024),
        "kind_words": "、".join(importing.KIND_TEMPLATE_WORDS.values()),
    }
    failed = form.errors or (report is not None and not report.ok)
    return render(request, "stations/unit_import.html", context, status=400 if failed else 200)


@tenant_page(Perm.STATIONS_MANAGE)
def unit_import_template(request):
    return _xlsx_response(importing.unit_import_template(), "unit-import-template.xlsx", "单位导入模板.xlsx")


@tenant_page(Perm.FUNDS_VIEW)
def fund_export(request, account_id: int):
    account = access_account(request.user, request.tenant, account_id)
    content = exporting.export_ledger(request.user, request.tenant, account.pk)
    return _xlsx_response(content, *exporting.ledger_filename(account))


urlpatterns = [
    path("units/import/", unit_import, name="unit-import"),
    path("units/import/template.xlsx", unit_import_template, name="unit-import-template"),
    path("funds/<int:account_id>/export.xlsx", fund_export, name="fund-export"),
]
