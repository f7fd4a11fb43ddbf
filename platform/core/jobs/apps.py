from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class JobsConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "core.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")
