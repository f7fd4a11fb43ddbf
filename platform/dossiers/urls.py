"""Dossier pages (being built)."""

app_name = "dossiers"
urlpatterns: list = []
