"""Page URLs of the dossiers, mounted at /dossiers/ (namespace "dossiers") by core.urls.
Each page module keeps its own `urlpatterns`."""

from dossiers import views, views_import

app_name = "dossiers"
urlpatterns = [*views.urlpatterns, *views_import.urlpatterns]
