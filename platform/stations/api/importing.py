"""Unit import API endpoint (filled in by the import work)."""

urlpatterns: list = []
