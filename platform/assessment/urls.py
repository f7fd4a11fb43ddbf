"""The assessment app's pages (declared in ``assessment.views``)."""

from assessment.views import app_name, urlpatterns  # noqa: F401
