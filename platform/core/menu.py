"""The navigation of a page: the menu items of every app active on the tenant, filtered by permission.

Each app declares its items in its ``navigation.py`` (``core.plugins``); a system check (``core.checks``) makes
sure every item resolves, so nothing is dropped silently here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from core.access import permissions_for
from core.plugins import active_apps


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    icon: str
    active: bool
    plugin: str | None


def navigation_for(request) -> list[NavEntry]:
    tenant = getattr(request, "tenant", None)
    perms = permissions_for(request.user, tenant)
    if not perms:
        return []
    candidates = [(item, app) for app in active_apps(tenant) for item in app.menu_items if item.permission in perms]
    entries = [(item, app, reverse(app.menu_url_name(item))) for item, app in candidates]
    # The entry whose URL is the longest prefix of the path is the current one (one entry lights up, not two).
    current = max((url for _i, _a, url in entries if _matches(request.path, url)), key=len, default=None)
    return [
        NavEntry(str(item.label), url, item.icon, url == current, app.slug if app.is_plugin else None)
        for item, app, url in sorted(entries, key=lambda entry: entry[0].weight)
    ]


def _matches(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
