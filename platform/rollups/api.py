"""The rollups app's API (declared in ``rollups.views``)."""

from rollups.views import api_urlpatterns as urlpatterns  # noqa: F401
