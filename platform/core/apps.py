from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform core")

    def ready(self):
        from core import checks, plugins  # noqa: F401  (registers system checks and signal receivers)

        plugins.registry.load()
