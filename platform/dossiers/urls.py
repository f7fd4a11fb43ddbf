"""Page URLs of the dossiers, mounted at /dossiers/ (namespace "dossiers") by core.urls.
Each page module keeps its own `urlpatterns`."""

from core.importing import import_pages
from dossiers import attachments, views, views_pairing
from dossiers.importing import DossierImporter

app_name = "dossiers"
import_urlpatterns = import_pages(
    DossierImporter,
    "import/",
    "dossier-import",
    done="dossiers:dossier-list",
    filename="困难职工档案导入模板.xlsx",
    fallback="dossier-import-template.xlsx",
)
urlpatterns = [*views.urlpatterns, *import_urlpatterns, *attachments.page_urlpatterns, *views_pairing.urlpatterns]
