"""API URLs of the stations, mounted at /api/ by core.urls (namespace-free, like the core's router)."""

from stations.api import importing, views

urlpatterns = [*views.urlpatterns, *importing.urlpatterns]
