"""The dossiers app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from dossiers.permissions import DossiersPerm

menu_items = [
    MenuItem(_("Dossiers"), "dossiers:dossier-list", DossiersPerm.VIEW, icon="folder", weight=60),
    MenuItem(_("Annual review"), "dossiers:review-list", DossiersPerm.VIEW, icon="check", weight=70),
]
