"""The unit import page (filled in by the import work)."""

urlpatterns: list = []
