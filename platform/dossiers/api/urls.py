"""API URLs of the dossiers, mounted at /api/ by core.urls (namespace-free, like the core's router)."""

from dossiers.api import importing, views

urlpatterns = [*importing.urlpatterns, *views.urlpatterns]
