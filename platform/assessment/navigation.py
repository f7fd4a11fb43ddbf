"""The assessment app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm
from stations.permissions import StationsPerm

menu_items = [
    MenuItem(_("Assessment"), "assessment:scores", Perm.VIEW_ROLLUPS, icon="chart", weight=86),
    MenuItem(_("Demonstration stations"), "assessment:nominations", StationsPerm.VIEW, icon="check", weight=87),
]
