from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class PeopleConfig(BangfuAppConfig):
    """The tenant's org units and person records: a core tenant app, so that every app (stations, dossiers,
    plugins) can point at the same unit and person without importing another app."""

    default = True  # apps.py also holds the imported base class
    name = "core.people"
    label = "people"
    slug = "people"
    verbose_name = _("People and units")
    mounts_routes = False  # its pages stay with the apps that show units and persons
