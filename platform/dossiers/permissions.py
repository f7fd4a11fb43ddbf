"""The dossiers app's permissions and what the platform's roles may do with them."""

from django.utils.translation import gettext_lazy as _

from core.roles import Role


class DossiersPerm:
    """The dossiers app's permissions (``dossiers.*``)."""

    VIEW = "dossiers.view"  # ID numbers masked
    EDIT = "dossiers.edit"  # drafts: create, change, submit
    REVIEW = "dossiers.review"  # review, return, lift; decide annual-review tasks
    FILE = "dossiers.file"  # file and cancel; run the annual review; set the living standard
    VIEW_ID_NUMBER = "dossiers.view_id_number"  # the full resident ID number (each view audited)
    RECORD_ASSISTANCE = "dossiers.record_assistance"


permissions = {
    DossiersPerm.VIEW: _("See dossiers (ID numbers masked)"),
    DossiersPerm.EDIT: _("Create, change and submit draft dossiers"),
    DossiersPerm.REVIEW: _("Review, return and lift dossiers; decide annual-review tasks"),
    DossiersPerm.FILE: _("File and cancel dossiers; run the annual review; set the living standard"),
    DossiersPerm.VIEW_ID_NUMBER: _("See full resident ID numbers (each view is recorded)"),
    DossiersPerm.RECORD_ASSISTANCE: _("Record assistance given"),
}

grants = {
    Role.TENANT_ADMIN: set(permissions),
    # Station staff keep dossiers (drafts, submission, assistance) but see ID numbers masked.
    Role.STATION_STAFF: {DossiersPerm.VIEW, DossiersPerm.EDIT, DossiersPerm.RECORD_ASSISTANCE},
    Role.REVIEWER: {DossiersPerm.VIEW, DossiersPerm.REVIEW, DossiersPerm.VIEW_ID_NUMBER},
    Role.VIEWER: {DossiersPerm.VIEW},
}
