"""The core app's roles and permissions, declared the way every app declares its own (``core.plugins``).

The platform's roles are the core's: each membership holds exactly one of them. Each app — core or plugin — then
grants its own permissions to these roles (and to roles of its own) in its ``permissions.py``; see
``core.access`` for how a membership's permissions are put together.
"""

from django.utils.translation import gettext_lazy as _

from core.plugins import RoleSpec
from core.roles import Perm, Role

roles = [
    RoleSpec(Role.TENANT_ADMIN, Role.TENANT_ADMIN.label, _("Manages the union's members, modules and settings.")),
    RoleSpec(Role.STATION_STAFF, Role.STATION_STAFF.label, _("Works at a station: visits, funds, dossiers.")),
    RoleSpec(Role.REVIEWER, Role.REVIEWER.label, _("Reviews dossiers and may see full ID numbers.")),
    RoleSpec(Role.VIEWER, Role.VIEWER.label, _("Reads the union's records and figures.")),
    RoleSpec(
        Role.MUNICIPAL_ANALYST,
        Role.MUNICIPAL_ANALYST.label,
        _("Reads the city's figures across unions."),
        municipal_only=True,
    ),
]

permissions = {
    Perm.VIEW_HOME: _("See the union's home page"),
    Perm.MANAGE_MEMBERS: _("Manage members and their roles"),
    Perm.MANAGE_PLUGINS: _("Switch modules on and off, and set them up"),
    Perm.USE_ADMIN: _("Use the administration pages"),
    Perm.MANAGE_TENANTS: _("Create unions (municipal union only)"),
    Perm.VIEW_ROLLUPS: _("See the city's figures (municipal union only)"),
    Perm.VIEW_FIGURES: _("See the union's own figures"),
}

#: The kinds of sensitive personal data a person may consent to (``core.people.services.record_consent``); an app
#: adds its own as ``"<slug>.<name>"``.
consent_categories = {
    "health": _("Health"),
    "disability": _("Disability"),
    "legal_dispute": _("Legal dispute"),
    "counseling": _("Counseling"),
    "referral": _("Referral to another organisation"),
}

#: Permissions that exist only on the municipal tenant, whatever a role says.
municipal_only = frozenset({Perm.MANAGE_TENANTS, Perm.VIEW_ROLLUPS})

grants = {
    Role.TENANT_ADMIN: set(permissions),
    Role.STATION_STAFF: {Perm.VIEW_HOME},
    Role.REVIEWER: {Perm.VIEW_HOME, Perm.VIEW_FIGURES},
    Role.VIEWER: {Perm.VIEW_HOME, Perm.VIEW_FIGURES},
    Role.MUNICIPAL_ANALYST: {Perm.VIEW_HOME, Perm.VIEW_ROLLUPS},
}
