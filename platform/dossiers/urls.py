"""Page URLs of the dossiers, mounted at /dossiers/ (namespace "dossiers") by core.urls.
Each page module keeps its own `urlpatterns`."""

from dossiers import attachments, views, views_import, views_pairing

app_name = "dossiers"
urlpatterns = [*views.urlpatterns, *views_import.urlpatterns, *attachments.page_urlpatterns, *views_pairing.urlpatterns]
