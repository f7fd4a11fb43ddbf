"""The navigation: the core's menu items plus those of the plugins active on the tenant, filtered by permission."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.access import permissions_for
from core.plugins import MenuItem, active_plugins
from core.roles import Perm

CORE_MENU: list[MenuItem] = [
    MenuItem(_("Home"), "home", Perm.VIEW_HOME, icon="home", weight=0),
    MenuItem(_("Stations"), "stations:station-list", Perm.STATIONS_VIEW, icon="station", weight=10),
    MenuItem(_("Reception register"), "stations:reception-list", Perm.STATIONS_VIEW, icon="register", weight=20),
    MenuItem(_("Station funds"), "stations:fund-list", Perm.FUNDS_VIEW, icon="fund", weight=30),
    MenuItem(_("Coverage"), "stations:coverage", Perm.STATIONS_VIEW, icon="chart", weight=40),
    MenuItem(_("Units"), "stations:unit-list", Perm.STATIONS_VIEW, icon="tree", weight=50),
    MenuItem(_("Dossiers"), "dossiers:dossier-list", Perm.DOSSIERS_VIEW, icon="folder", weight=60),
    MenuItem(_("Annual review"), "dossiers:review-list", Perm.DOSSIERS_VIEW, icon="check", weight=70),
    MenuItem(_("Referrals"), "exchange:referrals", Perm.DOSSIERS_VIEW, icon="send", weight=80),
    MenuItem(_("City figures"), "rollups:dashboard", Perm.VIEW_ROLLUPS, icon="chart", weight=5),
    MenuItem(_("Our figures"), "rollups:own", Perm.VIEW_FIGURES, icon="chart", weight=6),
    MenuItem(_("Assessment"), "assessment:scores", Perm.VIEW_ROLLUPS, icon="chart", weight=86),
    MenuItem(_("Demonstration stations"), "assessment:nominations", Perm.STATIONS_VIEW, icon="check", weight=87),
    MenuItem(_("Duplicates across unions"), "exchange:duplicates", Perm.VIEW_ROLLUPS, icon="copy", weight=85),
    MenuItem(_("Members"), "members", Perm.MANAGE_MEMBERS, icon="people", weight=900),
    MenuItem(_("Plugins"), "plugins", Perm.MANAGE_PLUGINS, icon="puzzle", weight=910),
    MenuItem(_("Tenants"), "tenant-list", Perm.MANAGE_TENANTS, icon="building", weight=920),
    MenuItem(_("Administration"), "tenant-admin:index", Perm.USE_ADMIN, icon="gear", weight=990),
]


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    icon: str
    active: bool
    plugin: str | None


def _resolve(item: MenuItem, plugin_slug: str | None) -> str | None:
    name = item.url_name if plugin_slug is None or ":" in item.url_name else f"plugins:{plugin_slug}:{item.url_name}"
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation_for(request) -> list[NavEntry]:
    tenant = getattr(request, "tenant", None)
    perms = permissions_for(request.user, tenant)
    if not perms:
        return []
    candidates = [(item, None) for item in CORE_MENU]
    for plugin in active_plugins(tenant):
        candidates.extend((item, plugin.slug) for item in plugin.menu_items)
    entries = []
    for item, slug in sorted(candidates, key=lambda pair: pair[0].weight):
        if item.permission not in perms:
            continue
        url = _resolve(item, slug)
        if url is None:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        entries.append(NavEntry(str(item.label), url, item.icon, active, slug))
    return entries
