"""The rollups app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("City figures"), "rollups:dashboard", Perm.VIEW_ROLLUPS, icon="chart", weight=5),
    MenuItem(_("Our figures"), "rollups:own", Perm.VIEW_FIGURES, icon="chart", weight=6),
]
