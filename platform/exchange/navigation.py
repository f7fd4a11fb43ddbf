"""The exchange app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("Referrals"), "exchange:referrals", Perm.DOSSIERS_VIEW, icon="send", weight=80),
    MenuItem(_("Duplicates across unions"), "exchange:duplicates", Perm.VIEW_ROLLUPS, icon="copy", weight=85),
]
