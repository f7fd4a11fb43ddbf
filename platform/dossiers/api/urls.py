"""API URLs of the dossiers, mounted at /api/ by core.urls (namespace-free, like the core's router)."""

from django.urls import path

from core.api.imports import import_api_view
from dossiers import attachments
from dossiers.api import pairing, views
from dossiers.importing import DossierImporter

# Reasons never hold a full resident ID number: the importer declares 身份证号 personal.
dossier_import = import_api_view(
    DossierImporter,
    operation_id="dossier_import",
    tags=["dossiers"],
    example=("身份证号", "The check character of this resident ID number is wrong.", "check"),
)
urlpatterns = [
    path("dossier-import/", dossier_import, name="api-dossier-import"),
    *views.urlpatterns,
    *attachments.api_urlpatterns,
    *pairing.urlpatterns,
]
