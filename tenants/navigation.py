"""The tenants app's menu items (the ``menu_items`` convention of every app's ``navigation.py``)."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("Members"), "members", Perm.MANAGE_MEMBERS, icon="people", weight=900),
    MenuItem(_("Plugins"), "plugins", Perm.MANAGE_PLUGINS, icon="puzzle", weight=910),
    MenuItem(_("Tenants"), "tenant-list", Perm.MANAGE_TENANTS, icon="building", weight=920),
]
