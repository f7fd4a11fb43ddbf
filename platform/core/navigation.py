"""The core app's menu items (the same ``menu_items`` convention as every app's ``navigation.py``); the members,
plugins and tenants pages are the tenants app's (``tenants.navigation``)."""

from django.utils.translation import gettext_lazy as _

from core.plugins import MenuItem
from core.roles import Perm

menu_items = [
    MenuItem(_("Home"), "home", Perm.VIEW_HOME, icon="home", weight=0),
    MenuItem(_("Administration"), "tenant-admin:index", Perm.USE_ADMIN, icon="gear", weight=990),
]
