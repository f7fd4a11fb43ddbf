from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class StationsConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "stations"
    verbose_name = _("Assistance stations")
