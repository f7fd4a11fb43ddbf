"""Dossier API (being built)."""

urlpatterns: list = []
