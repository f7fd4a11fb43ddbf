"""The dossiers app's permissions and what the platform's roles may do with them."""

from django.utils.translation import gettext_lazy as _

from core.roles import Perm, Role

permissions = {
    Perm.DOSSIERS_VIEW: _("See dossiers (ID numbers masked)"),
    Perm.DOSSIERS_EDIT: _("Create, change and submit draft dossiers"),
    Perm.DOSSIERS_REVIEW: _("Review, return and lift dossiers; decide annual-review tasks"),
    Perm.DOSSIERS_FILE: _("File and cancel dossiers; run the annual review; set the living standard"),
    Perm.DOSSIERS_VIEW_ID: _("See full resident ID numbers (each view is recorded)"),
    Perm.ASSISTANCE_RECORD: _("Record assistance given"),
}

grants = {
    Role.TENANT_ADMIN: set(permissions),
    # Station staff keep dossiers (drafts, submission, assistance) but see ID numbers masked.
    Role.STATION_STAFF: {Perm.DOSSIERS_VIEW, Perm.DOSSIERS_EDIT, Perm.ASSISTANCE_RECORD},
    Role.REVIEWER: {Perm.DOSSIERS_VIEW, Perm.DOSSIERS_REVIEW, Perm.DOSSIERS_VIEW_ID},
    Role.VIEWER: {Perm.DOSSIERS_VIEW},
}
