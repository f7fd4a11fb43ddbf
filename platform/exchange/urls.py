"""The exchange app's pages (declared in ``exchange.views``)."""

from exchange.views import app_name, urlpatterns  # noqa: F401
