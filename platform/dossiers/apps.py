from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class DossiersConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "dossiers"
    verbose_name = _("Hardship-worker dossiers")
