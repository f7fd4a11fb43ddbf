"""API URLs of the dossiers, mounted at /api/ by core.urls (namespace-free, like the core's router)."""

from dossiers import attachments
from dossiers.api import importing, pairing, views

urlpatterns = [*importing.urlpatterns, *views.urlpatterns, *attachments.api_urlpatterns, *pairing.urlpatterns]
