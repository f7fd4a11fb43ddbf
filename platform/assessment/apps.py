from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class AssessmentConfig(BangfuAppConfig):
    default = True  # apps.py also holds the imported base class
    name = "assessment"
    verbose_name = _("Assessment")
