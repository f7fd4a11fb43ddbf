from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class CoreConfig(BangfuAppConfig):
    """The platform core, declared through the same contract as every app: its menu items (home, members …),
    the platform's roles and the core's permissions. Its routes are the root URLconf (``core.urls``), which
    mounts every other app's."""

    default = True  # apps.py also holds the imported base class
    name = "core"
    slug = "core"
    verbose_name = _("Platform core")
    declares_platform_roles = True
    mounts_routes = False

    def ready(self):
        from core import checks  # noqa: F401  (registers the system checks)

        super().ready()
