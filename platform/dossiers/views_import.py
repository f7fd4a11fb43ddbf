"""Dossier import pages: households from an Excel file (all or nothing) and the import template.

Mounted under /dossiers/ (namespace "dossiers") by dossiers.urls: ``dossier-import`` and
``dossier-import-template``.
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
from dossiers import importing
from stations.exporting import content_disposition


class DossierImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + importing.XLSX_CONTENT_TYPE}),
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_page(Perm.DOSSIERS_EDIT)
def dossier_import(request):
    form = DossierImportForm(request.POST, request.FILES) if request.method == "POST" else DossierImportForm()
    report = None
    if request.method == "POST" and form.is_valid():
        report = importing.import_dossiers(request.user, request.tenant, form.cleaned_data["file"])
        if report.ok:
            messages.success(request, report.summary())
            return redirect("dossiers:dossier-list")
    context = {
        "form": form,
        "report": report,
        "max_rows": importing.MAX_ROWS,
        "max_megabytes": importing.MAX_FILE_SIZE // (1024 * 1024),
        "columns": importing.column_help(),
    }
    failed = form.errors or (report is not None and not report.ok)
    response = render(request, "dossiers/dossier_import.html", context, status=400 if failed else 200)
    return _no_store(response) if report is not None else response


@tenant_page(Perm.DOSSIERS_EDIT)
def dossier_import_template(request):
    response = HttpResponse(importing.dossier_import_template(), content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition("dossier-import-template.xlsx", "困难职工档案导入模板.xlsx")
    return _no_store(response)


urlpatterns = [
    path("import/", dossier_import, name="dossier-import"),
    path("import/template.xlsx", dossier_import_template, name="dossier-import-template"),
]
