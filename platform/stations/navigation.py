"""The stations app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from stations.permissions import StationsPerm

menu_items = [
    MenuItem(_("Stations"), "stations:station-list", StationsPerm.VIEW, icon="station", weight=10),
    MenuItem(_("Reception register"), "stations:reception-list", StationsPerm.VIEW, icon="register", weight=20),
    MenuItem(_("Station funds"), "stations:fund-list", StationsPerm.VIEW_FUNDS, icon="fund", weight=30),
    MenuItem(_("Coverage"), "stations:coverage", StationsPerm.VIEW, icon="chart", weight=40),
    MenuItem(_("Units"), "stations:unit-list", StationsPerm.VIEW, icon="tree", weight=50),
]
