"""The exchange app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm
from dossiers.permissions import DossiersPerm

menu_items = [
    MenuItem(_("Referrals"), "exchange:referrals", DossiersPerm.VIEW, icon="send", weight=80),
    MenuItem(_("Duplicates across unions"), "exchange:duplicates", Perm.VIEW_ROLLUPS, icon="copy", weight=85),
]
