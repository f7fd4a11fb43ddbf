"""The dossiers app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("Dossiers"), "dossiers:dossier-list", Perm.DOSSIERS_VIEW, icon="folder", weight=60),
    MenuItem(_("Annual review"), "dossiers:review-list", Perm.DOSSIERS_VIEW, icon="check", weight=70),
]
