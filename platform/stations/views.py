"""Pages of the stations (filled in by the pages work)."""

urlpatterns: list = []
