from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class ExchangeConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "exchange"
    verbose_name = _("Exchange between unions")
