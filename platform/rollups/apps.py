from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class RollupsConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "rollups"
    verbose_name = _("Municipal rollups")
