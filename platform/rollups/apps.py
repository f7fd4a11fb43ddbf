from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "rollups"
    verbose_name = _("Municipal rollups")

    def ready(self):
        from rollups import signals  # noqa: F401  (marks periods dirty when tenant data changes)
