"""Roles and the permissions they grant.

A permission is a string `<area>.<action>` (``core.manage_members``, ``dummy.view_things``). A member holds one
role on a tenant (`tenants.Membership`); the role's grants are the core's below plus what each plugin *active on
that tenant* declares in its `permissions` module. The tenant admin additionally holds every permission that an
active plugin declares, so activating a plugin never needs a second step to make it usable.
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
    """The core's permissions (plugins declare their own strings)."""

    VIEW_HOME = "core.view_home"
    MANAGE_MEMBERS = "core.manage_members"
    MANAGE_PLUGINS = "core.manage_plugins"
    USE_ADMIN = "core.use_admin"
    # Only meaningful on the municipal tenant: create tenants, watch provisioning.
    MANAGE_TENANTS = "core.manage_tenants"
    VIEW_ROLLUPS = "core.view_rollups"
    VIEW_FIGURES = "core.view_own_figures"  # the union's own figures, per unit
    # Stations (platform/stations)
    STATIONS_VIEW = "stations.view"
    STATIONS_MANAGE = "stations.manage"  # units, stations, targets, policy
    RECEPTION_REGISTER = "stations.register_visits"
    FUNDS_VIEW = "stations.view_funds"
    FUNDS_BOOK = "stations.book_funds"
    # Dossiers (platform/dossiers)
    DOSSIERS_VIEW = "dossiers.view"  # ID numbers masked
    DOSSIERS_EDIT = "dossiers.edit"  # drafts: create, change, submit
    DOSSIERS_REVIEW = "dossiers.review"  # review, return, lift; decide annual-review tasks
    DOSSIERS_FILE = "dossiers.file"  # file and cancel; run the annual review; set the living standard
    DOSSIERS_VIEW_ID = "dossiers.view_id_number"  # the full resident ID number (each view audited)
    ASSISTANCE_RECORD = "dossiers.record_assistance"


CORE_GRANTS: dict[str, frozenset[str]] = {
    Role.TENANT_ADMIN: frozenset(
        {
            Perm.VIEW_HOME,
            Perm.MANAGE_MEMBERS,
            Perm.MANAGE_PLUGINS,
            Perm.USE_ADMIN,
            Perm.MANAGE_TENANTS,
            Perm.VIEW_ROLLUPS,
            Perm.VIEW_FIGURES,
            Perm.STATIONS_VIEW,
            Perm.STATIONS_MANAGE,
            Perm.RECEPTION_REGISTER,
            Perm.FUNDS_VIEW,
            Perm.FUNDS_BOOK,
            Perm.DOSSIERS_VIEW,
            Perm.DOSSIERS_EDIT,
            Perm.DOSSIERS_REVIEW,
            Perm.DOSSIERS_FILE,
            Perm.DOSSIERS_VIEW_ID,
            Perm.ASSISTANCE_RECORD,
        }
    ),
    # Station staff work their own station (the membership's unit scope): register visits, book the fund.
    # They keep dossiers (drafts, submission, assistance) but see ID numbers masked.
    Role.STATION_STAFF: frozenset(
        {
            Perm.VIEW_HOME,
            Perm.STATIONS_VIEW,
            Perm.RECEPTION_REGISTER,
            Perm.FUNDS_VIEW,
            Perm.FUNDS_BOOK,
            Perm.DOSSIERS_VIEW,
            Perm.DOSSIERS_EDIT,
            Perm.ASSISTANCE_RECORD,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            Perm.VIEW_HOME,
            Perm.VIEW_FIGURES,
            Perm.STATIONS_VIEW,
            Perm.FUNDS_VIEW,
            Perm.DOSSIERS_VIEW,
            Perm.DOSSIERS_REVIEW,
            Perm.DOSSIERS_VIEW_ID,
        }
    ),
    Role.VIEWER: frozenset({Perm.VIEW_HOME, Perm.VIEW_FIGURES, Perm.STATIONS_VIEW, Perm.DOSSIERS_VIEW}),
    Role.MUNICIPAL_ANALYST: frozenset({Perm.VIEW_HOME, Perm.VIEW_ROLLUPS}),
}

# Permissions that exist only on the municipal tenant, whatever the role says.
MUNICIPAL_ONLY_PERMS = frozenset({Perm.MANAGE_TENANTS, Perm.VIEW_ROLLUPS})
