"""The plugin contract.

A plugin is a Django app under ``plugins/<name>/`` (or any pip-installed package announced in the
``bangfu.plugins`` entry-point group) whose AppConfig subclasses :class:`PluginConfig`. It declares metadata and
platform-version bounds; the core loads its resources **by convention** from fixed module paths inside the app:

==========================  ===========================================================================
``api.py`` / ``api/urls.py``  ``urlpatterns`` mounted under ``/api/plugins/<slug>/``
``urls.py``                  ``urlpatterns`` (pages) mounted under ``/plugins/<slug>/``
``navigation.py``            ``menu_items``: a list of :class:`MenuItem`, each with its permission
``permissions.py``           ``grants``: ``{role: {permission, ...}}`` (role → actions)
``rollups.py``               ``metrics``: a list of :class:`Metric` (the plugin's rollup contribution)
``beat.py``                  ``periodic_tasks``: a list of :class:`PeriodicTask`
==========================  ===========================================================================

Per-tenant activation (``tenants.PluginActivation``) decides at run time what a tenant sees: a plugin that is not
active there answers 404 on its routes (:class:`core.middleware.PluginGateMiddleware`), contributes no menu items
(:func:`navigation_for`) and no metrics (:func:`metrics_for`), and its periodic tenant tasks are not sent there
(``worker.beat``). Every installed plugin's tables exist in every tenant schema, so activation is instant.

The core never imports a plugin module by name; it only walks the app registry (an import-linter contract
checks this).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MenuItem:
    """One entry of the navigation. ``url_name`` is reversed inside the plugin's namespace when relative."""

    label: Any
    url_name: str
    permission: str
    icon: str = ""
    weight: int = 100


@dataclass(frozen=True)
class Cells:
    """The set-based form of a metric over one tenant table: its rows grouped by columns, counted or summed.

    The rollup computes it for every tenant of a batch in one SQL statement and then keeps it up to date from the
    table's logged changes (``rollups.engine``: a changed row is -1 in its old cell and +1 in its new one), so a
    change costs in proportion to itself, not to the tenant. That is why a cell may depend on the row alone:

    - ``table``: the table in the tenant schema; its changes must be logged with every column used below
      (``core.db.LogChanges`` in a migration; a test checks this for every metric).
    - ``dims``: ``{dimension: column}``, text-like columns (a NULL is shown as "").
    - ``measures``: ``{measure: None (the row count) or a column (its sum)}``; each is a fact with a ``measure``
      dimension. Without measures the value is ``value`` summed, or the row count.
    - when a row counts in a period: ``date`` (a date or timestamp column: the periods containing it, a flow),
      ``as_of`` (``(opened_on, closed_on)`` columns: open on the period's last day), or neither (a snapshot of
      today, kept for the periods that contain today and frozen afterwards).
    - ``where``: a column that must be true, or ``(column, "<>", value)`` / ``(column, "=", value)``.
    """

    table: str
    dims: dict[str, str] = field(default_factory=dict)
    value: str | None = None
    measures: dict[str, str | None] | None = None
    date: str | None = None
    as_of: tuple[str, str] | None = None
    where: tuple = ()

    def columns(self) -> set[str]:
        used = set(self.dims.values()) | {c for c in (self.measures or {}).values() if c}
        used |= {c for c in (self.value, self.date) if c} | set(self.as_of or ())
        used |= {w if isinstance(w, str) else w[0] for w in self.where}
        return used


@dataclass(frozen=True)
class Metric:
    """A figure a tenant contributes to the municipal rollup.

    ``compute(tenant, period)`` runs inside the tenant's schema and returns an iterable of
    ``(dimensions: dict[str, str], value: Decimal | int)``; only aggregates, never a name or an ID number. It is
    the reference definition and the fallback: a metric that also gives a set-based form is computed by SQL across
    tenants (``rollups.engine``), and a test checks that both forms agree.

    - ``cells``: a :class:`Cells` form, maintained incrementally from the table's logged changes, or
    - ``query``: ``query(q) -> SQL`` selecting ``tenant_id, period_kind, period_start``, the ``dimensions`` columns
      and ``value`` for one tenant and all its periods at once: ``q.periods`` is a relation to select from, with
      ``period_kind, period_start, period_end`` and ``day`` (the earlier of the period's last day and today);
      ``q.s`` is the quoted tenant schema, ``q.tenant_id`` the tenant's id, ``q.today`` and ``q.tz`` SQL literals.
      With ``shared=True`` the query reads public tables for many tenants at once: ``q.tenant_ids`` is an SQL
      array of their ids (and there is no ``q.s``). A query metric is computed again for the current periods when
      one of ``sources`` (tables of the tenant schema) changed.
    - with neither, ``compute`` runs per tenant, again whenever anything in the tenant changed (``sources=None``).
    """

    name: str
    label: Any
    unit: str
    compute: Callable[[Any, Any], Iterable[tuple[dict, Any]]]
    dimensions: tuple[str, ...] = ()
    cells: Cells | None = None
    query: Callable[[Any], str] | None = None
    shared: bool = False
    sources: frozenset[str] | None = None


@dataclass(frozen=True)
class PeriodicTask:
    """A periodic task. ``scope="tenant"`` sends it to every tenant where the plugin is active (each run in
    that tenant's schema); ``scope="shared"`` runs it once in the public schema."""

    name: str
    task: str
    schedule: Any  # seconds or a celery.schedules.crontab
    scope: str = "tenant"
    kwargs: dict = field(default_factory=dict)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


class PluginConfig(AppConfig):
    """Base AppConfig of every Bangfu plugin. Subclasses set the class attributes below."""

    #: URL slug (``/plugins/<slug>/``, ``/api/plugins/<slug>/``) and the activation key; defaults to the label.
    slug: str = ""
    version: str = "0.0.0"
    description: Any = ""
    author: str = ""
    #: Inclusive bounds of the platform version (``core.settings.PLATFORM_VERSION``) this plugin runs on.
    min_platform_version: str | None = None
    max_platform_version: str | None = None
    #: Settings with defaults (overridable in ``settings.PLUGIN_SETTINGS[slug]``) and required ones.
    default_settings: dict = {}
    required_settings: tuple[str, ...] = ()
    #: Active on newly provisioned tenants unless the creator says otherwise.
    default_active: bool = False

    # Filled by load_resources().
    api_urlpatterns: list = []
    page_urlpatterns: list = []
    menu_items: list[MenuItem] = []
    grants: dict[str, frozenset[str]] = {}
    metrics: list[Metric] = []
    periodic_tasks: list[PeriodicTask] = []

    def ready(self):
        self.slug = self.slug or self.label
        self.check_platform_version()
        self.validate_settings()
        self.load_resources()
        super().ready()

    def check_platform_version(self) -> None:
        current = _version_tuple(settings.PLATFORM_VERSION)
        if self.min_platform_version and current < _version_tuple(self.min_platform_version):
            raise ImproperlyConfigured(
                f"Plugin {self.name} {self.version} needs platform ≥ {self.min_platform_version}, "
                f"this is {settings.PLATFORM_VERSION}"
            )
        if self.max_platform_version and current > _version_tuple(self.max_platform_version):
            raise ImproperlyConfigured(
                f"Plugin {self.name} {self.version} supports platform ≤ {self.max_platform_version}, "
                f"this is {settings.PLATFORM_VERSION}"
            )

    @property
    def settings(self) -> dict:
        """The plugin's effective settings: its defaults overlaid with ``PLUGIN_SETTINGS[slug]``."""
        configured = getattr(settings, "PLUGIN_SETTINGS", {}).get(self.slug or self.label, {})
        return {**self.default_settings, **configured}

    def validate_settings(self) -> None:
        missing = [name for name in self.required_settings if name not in self.settings]
        if missing:
            raise ImproperlyConfigured(f"Plugin {self.name} requires settings: {', '.join(missing)}")

    def _optional_module(self, name: str):
        path = f"{self.name}.{name}"
        try:
            return import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name == path or (exc.name and path.startswith(exc.name + ".")):
                return None
            raise

    def load_resources(self) -> None:
        api = self._optional_module("api.urls") or self._optional_module("api")
        self.api_urlpatterns = list(getattr(api, "urlpatterns", []) if api else [])
        pages = self._optional_module("urls")
        self.page_urlpatterns = list(getattr(pages, "urlpatterns", []) if pages else [])
        nav = self._optional_module("navigation")
        self.menu_items = list(getattr(nav, "menu_items", []) if nav else [])
        perms = self._optional_module("permissions")
        raw = getattr(perms, "grants", {}) if perms else {}
        self.grants = {str(role): frozenset(actions) for role, actions in raw.items()}
        rollups = self._optional_module("rollups")
        self.metrics = list(getattr(rollups, "metrics", []) if rollups else [])
        beat = self._optional_module("beat")
        self.periodic_tasks = list(getattr(beat, "periodic_tasks", []) if beat else [])
        self._optional_module("tasks")  # registers the plugin's Celery tasks

    @property
    def declared_permissions(self) -> frozenset[str]:
        perms = {item.permission for item in self.menu_items}
        for actions in self.grants.values():
            perms |= actions
        return frozenset(perms)


class PluginRegistry:
    """All installed plugins, by slug. Filled once when the core app is ready."""

    def __init__(self):
        self._plugins: dict[str, PluginConfig] = {}

    def load(self) -> None:
        self._plugins = {cfg.slug or cfg.label: cfg for cfg in apps.get_app_configs() if isinstance(cfg, PluginConfig)}

    def all(self) -> list[PluginConfig]:
        return sorted(self._plugins.values(), key=lambda cfg: cfg.slug)

    def get(self, slug: str) -> PluginConfig | None:
        return self._plugins.get(slug)

    def slugs(self) -> list[str]:
        return sorted(self._plugins)


registry = PluginRegistry()


def active_plugin_slugs(tenant) -> frozenset[str]:
    """Slugs of the installed plugins active on `tenant` (one query; memoised on the tenant object)."""
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return frozenset()
    cached = getattr(tenant, "_active_plugin_slugs", None)
    if cached is None:
        from tenants.models import PluginActivation

        active = PluginActivation.objects.filter(tenant_id=tenant.pk, is_active=True).values_list("plugin", flat=True)
        cached = frozenset(slug for slug in active if registry.get(slug))
        tenant._active_plugin_slugs = cached
    return cached


def prefetch_active_plugins(tenants) -> None:
    """Memoise the active plugins of many tenants with one query (for work over a batch of tenants)."""
    from tenants.models import PluginActivation

    todo = [t for t in tenants if getattr(t, "_active_plugin_slugs", None) is None]
    if not registry.all():  # no plugin installed: nothing to ask
        for tenant in todo:
            tenant._active_plugin_slugs = frozenset()
        return
    active: dict[int, set[str]] = {t.pk: set() for t in todo}
    rows = PluginActivation.objects.filter(tenant_id__in=list(active), is_active=True).values_list(
        "tenant_id", "plugin"
    )
    for tenant_id, slug in rows:
        active[tenant_id].add(slug)
    for tenant in todo:
        tenant._active_plugin_slugs = frozenset(slug for slug in active[tenant.pk] if registry.get(slug))


def installed_metrics() -> list[Metric]:
    """The metrics of the core and of every installed plugin, active anywhere or not."""
    from core.metrics import core_metrics

    found = list(core_metrics())
    for cfg in registry.all():
        found.extend(cfg.metrics)
    return found


def active_plugins(tenant) -> list[PluginConfig]:
    slugs = active_plugin_slugs(tenant)
    return [cfg for cfg in registry.all() if cfg.slug in slugs]


def metrics_for(tenant) -> list[Metric]:
    """The rollup metrics a tenant contributes: the core's providers plus its active plugins'."""
    from core.metrics import core_metrics

    found = list(core_metrics())
    for cfg in active_plugins(tenant):
        found.extend(cfg.metrics)
    return found
