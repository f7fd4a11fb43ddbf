"""Page URLs of the stations, mounted at /stations/ (namespace "stations") by core.urls.
Each page module keeps its own `urlpatterns`."""

from stations import views, views_import

app_name = "stations"
urlpatterns = [*views.urlpatterns, *views_import.urlpatterns]
