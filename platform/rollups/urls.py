"""The rollups app's pages (declared in ``rollups.views``)."""

from rollups.views import page_urlpatterns as urlpatterns  # noqa: F401

app_name = "rollups"
