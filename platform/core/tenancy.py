"""Small facts about the tenancy setup shared by the core and the tenants app."""

from functools import cache

from django.apps import apps
from django.conf import settings


@cache
def tenant_app_labels() -> frozenset[str]:
    """App labels of the TENANT_APPS (the apps whose tables live in every tenant schema)."""
    names = set(settings.TENANT_APPS)
    return frozenset(cfg.label for cfg in apps.get_app_configs() if cfg.name in names)
