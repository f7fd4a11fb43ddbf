"""Roles and the permissions they grant.

A permission is a string `<app>.<action>` (``core.manage_members``, ``dummy.view_things``). A member holds one
platform role on a tenant (`tenants.Membership`); what it may do there is what each app *active on that tenant*
grants that role in its ``permissions.py`` (``core.permissions`` for the core's own, ``core.access`` puts them
together).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", _("Tenant administrator")
    STATION_STAFF = "station_staff", _("Station staff")
    REVIEWER = "reviewer", _("Reviewer")
    VIEWER = "viewer", _("Viewer")
    MUNICIPAL_ANALYST = "municipal_analyst", _("Municipal analyst")


# Roles that only make sense on the municipal union's tenant.
MUNICIPAL_ONLY_ROLES = frozenset({Role.MUNICIPAL_ANALYST})


class Perm:
    """The core's own permissions; every other app declares its own in its ``permissions.py``."""

    VIEW_HOME = "core.view_home"
    MANAGE_MEMBERS = "core.manage_members"
    MANAGE_PLUGINS = "core.manage_plugins"
    USE_ADMIN = "core.use_admin"
    # Only meaningful on the municipal tenant: create tenants, watch provisioning.
    MANAGE_TENANTS = "core.manage_tenants"
    VIEW_ROLLUPS = "core.view_rollups"
    VIEW_FIGURES = "core.view_own_figures"  # the union's own figures, per unit
