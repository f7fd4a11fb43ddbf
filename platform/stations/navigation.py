"""The stations app's menu items."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("Stations"), "stations:station-list", Perm.STATIONS_VIEW, icon="station", weight=10),
    MenuItem(_("Reception register"), "stations:reception-list", Perm.STATIONS_VIEW, icon="register", weight=20),
    MenuItem(_("Station funds"), "stations:fund-list", Perm.FUNDS_VIEW, icon="fund", weight=30),
    MenuItem(_("Coverage"), "stations:coverage", Perm.STATIONS_VIEW, icon="chart", weight=40),
    MenuItem(_("Units"), "stations:unit-list", Perm.STATIONS_VIEW, icon="tree", weight=50),
]
