from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class TenantsConfig(BangfuAppConfig):
    """The unions, their members and domains, the modules each switches on, and the creation of new ones: a core
    app like the others, whose pages sit at the root without a namespace (``/members/``, ``"members"``)."""

    default = True  # apps.py also holds the imported base class
    name = "tenants"
    verbose_name = _("Tenants")
    url_prefix = ""
    url_namespace = None
