"""The app contract: how the whole platform is assembled, the core's own domain apps and the plugins alike.

Every Bangfu app — ``stations``, ``dossiers``, ``exchange``, ``assessment``, ``rollups`` and each plugin under
``plugins/`` (or a pip-installed package announced in the ``bangfu.plugins`` entry-point group) — has an AppConfig
that subclasses :class:`BangfuAppConfig`. A **plugin** subclasses :class:`PluginConfig` instead, which adds the only
two differences: it is switched on per tenant (``tenants.PluginActivation``) and it declares the platform versions
it runs on. Resources are loaded **by convention** from fixed module paths inside the app, the same for both:

=============================  ========================================================================
``urls.py``                    ``urlpatterns``: pages, under ``/<slug>/`` (namespace ``<slug>``), a plugin's under
                               ``/plugins/<slug>/`` (``plugins:<slug>``); a core app may set ``url_prefix`` and
                               ``url_namespace`` (``""`` and ``None``: at the root, un-namespaced — the tenants app)
``api.py`` / ``api/urls.py``   ``urlpatterns``: API, a plugin's under ``/api/plugins/<slug>/``
``navigation.py``              ``menu_items``: :class:`MenuItem` s, each with its permission
``permissions.py``             ``permissions`` (``{"<slug>.<action>": label}``), ``roles`` (:class:`RoleSpec` s the
                               app adds, keys ``<slug>.<role>``) and ``grants`` (``{role: {permission, …}}``)
``rollups.py``                 ``metrics``: the figures the app contributes (:class:`Metric`)
``beat.py``                    ``periodic_tasks``: :class:`PeriodicTask` s
``demo.py``                    ``seed(tenant, admin, *, seed)``: the app's part of ``manage.py seed_demo``
``signals.py``                 receivers of the platform's signals (``core.signals``), imported at start
``tasks.py``                   Celery tasks, imported at start
=============================  ========================================================================

Rules the registry enforces (``core.checks`` turns a breach into a start-up error): an app grants only its own
permissions (``<slug>.*``) — to the platform's roles or to its own; a role an app adds is ``<slug>.<name>``; every
menu item resolves and names a declared permission; version bounds are PEP 440 versions.

At run time **one function decides what a tenant has**: :func:`active_apps` (every core app, plus the plugins
switched on there). Routes of an inactive plugin answer 404 (``core.middleware.PluginGateMiddleware``), and it
contributes no menu items, permissions, roles, signal receivers, figures or periodic work on that tenant. Every
installed plugin's tables exist in every tenant schema, so switching one on is instant; ``installed(tenant)`` and
``uninstalled(tenant)`` run once per switch. A plugin's settings per tenant live in ``PluginActivation.config``
and are read through :meth:`PluginConfig.settings_for`, validated by the form the plugin names.

The core never imports an app by name; it only walks the app registry (import-linter contracts check this).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ contract types
@dataclass(frozen=True)
class MenuItem:
    """One entry of the navigation. ``url_name`` is reversed as given; a plugin's relative names (no ``:``) are
    reversed inside its namespace ``plugins:<slug>``."""

    label: Any
    url_name: str
    permission: str
    icon: str = ""
    weight: int = 100


@dataclass(frozen=True)
class RoleSpec:
    """A role an app declares. The platform's roles (``tenant_admin``, ``station_staff`` …) are the core's; each is
    the one role a membership holds. An app's own roles (``legal_aid.coordinator``) are *added* to a membership
    beside its platform role and count only where the app is active."""

    key: str
    label: Any
    description: Any = ""
    #: Only on the municipal union's tenant (the platform's municipal analyst).
    municipal_only: bool = False


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
    - ``personal``: the figure counts people; its cells below the threshold are suppressed wherever shown.
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
    personal: bool = False


@dataclass(frozen=True)
class PeriodicTask:
    """A periodic task. ``scope="tenant"`` sends it to every tenant where its app is active (each run in that
    tenant's schema); ``scope="shared"`` runs it once in the public schema."""

    name: str
    task: str
    schedule: Any  # seconds or a celery.schedules.crontab
    scope: str = "tenant"
    kwargs: dict = field(default_factory=dict)


def public(view):
    """Mark a plugin page or API view as open to anonymous visitors (a booking link, say). Without it every
    plugin route needs a signed-in member of the tenant (``core.urls`` wraps them)."""
    view.bangfu_public = True
    return view


# ----------------------------------------------------------------------------------------- the app configs
#: The default of ``BangfuAppConfig.url_prefix`` and ``url_namespace``: derived from the app's slug.
SLUG = "<slug>"


def parse_version(text: str, what: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        raise ImproperlyConfigured(f"{what}: {text!r} is not a PEP 440 version") from None


class BangfuAppConfig(AppConfig):
    """Base AppConfig of every Bangfu app, core or plugin: loads its resources by the conventions above."""

    #: Namespace of the app's permissions and roles, its URL slug (plugins) and its activation key; the label.
    slug: str = ""
    is_plugin = False
    #: Only the core app declares the platform's roles (un-namespaced: ``tenant_admin`` …).
    declares_platform_roles = False
    #: False for the core app, whose routes are the root URLconf that mounts every other app's.
    mounts_routes = True
    #: Where a core app's pages are mounted and their namespace: ``SLUG`` stands for ``<slug>/`` and ``<slug>``.
    #: ``url_prefix = ""`` with ``url_namespace = None`` puts them at the root with un-namespaced names (the tenants
    #: app: ``/members/``, ``"members"``). A plugin's are always ``plugins/<slug>/`` and ``plugins:<slug>``.
    url_prefix: str = SLUG
    url_namespace: str | None = SLUG

    # Filled by load_resources().
    api_urlpatterns: list = []
    page_urlpatterns: list = []
    menu_items: list[MenuItem] = []
    permissions: dict[str, Any] = {}
    roles: list[RoleSpec] = []
    grants: dict[str, frozenset[str]] = {}
    municipal_only: frozenset[str] = frozenset()
    #: ``{"<slug>.<name>": label}``: the kinds of sensitive data a person may consent to (``core.people``).
    consent_categories: dict[str, Any] = {}
    metrics: list[Metric] = []
    periodic_tasks: list[PeriodicTask] = []
    demo_seed: Callable | None = None

    def ready(self):
        self.slug = self.slug or self.label
        if self.url_prefix is SLUG:
            self.url_prefix = f"{self.slug}/"
        if self.url_namespace is SLUG:
            self.url_namespace = self.slug
        self.load_resources()
        super().ready()

    def _optional_module(self, name: str):
        path = f"{self.name}.{name}"
        try:
            return import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name == path or (exc.name and path.startswith(exc.name + ".")):
                return None
            raise

    def load_resources(self) -> None:
        if self.mounts_routes:
            api = self._optional_module("api.urls") or self._optional_module("api")
            self.api_urlpatterns = list(getattr(api, "urlpatterns", []) if api else [])
            pages = self._optional_module("urls")
            self.page_urlpatterns = list(getattr(pages, "urlpatterns", []) if pages else [])
        nav = self._optional_module("navigation")
        self.menu_items = list(getattr(nav, "menu_items", []) if nav else [])
        perms = self._optional_module("permissions")
        self.permissions = dict(getattr(perms, "permissions", {}) if perms else {})
        self.roles = list(getattr(perms, "roles", []) if perms else [])
        raw = getattr(perms, "grants", {}) if perms else {}
        self.grants = {str(role): frozenset(actions) for role, actions in raw.items()}
        self.municipal_only = frozenset(getattr(perms, "municipal_only", ()) if perms else ())
        self.consent_categories = dict(getattr(perms, "consent_categories", {}) if perms else {})
        rollups = self._optional_module("rollups")
        self.metrics = list(getattr(rollups, "metrics", []) if rollups else [])
        beat = self._optional_module("beat")
        self.periodic_tasks = list(getattr(beat, "periodic_tasks", []) if beat else [])
        demo = self._optional_module("demo")
        self.demo_seed = getattr(demo, "seed", None) if demo else None
        self._optional_module("signals")  # connects the app's receivers
        self._optional_module("tasks")  # registers the app's Celery tasks

    @property
    def declared_permissions(self) -> frozenset[str]:
        """Every permission the app declares (its ``permissions``, plus any its menu or grants name)."""
        perms = set(self.permissions) | {item.permission for item in self.menu_items}
        for actions in self.grants.values():
            perms |= actions
        return frozenset(perms)

    def own(self, name: str) -> bool:
        """True when a permission or role key is in this app's namespace."""
        return name.startswith(self.slug + ".")

    def contract_errors(self) -> list[str]:
        """What breaks the contract in the app's declarations (``core.checks`` reports them at start-up)."""
        errors = []
        for perm in self.permissions:
            if not self.own(perm):
                errors.append(f"permission {perm!r} is outside the app's namespace {self.slug}.*")
        for role in self.roles:
            if not self.own(role.key) and not self.declares_platform_roles:
                errors.append(f"role {role.key!r} is outside the app's namespace {self.slug}.*")
        known_roles = registry.role_keys()
        for role, actions in self.grants.items():
            if role not in known_roles:
                errors.append(f"grants name an unknown role {role!r}")
            for perm in sorted(actions):
                if not self.own(perm):
                    errors.append(f"grants {perm!r} to {role!r}: an app grants only its own permissions")
                elif self.permissions and perm not in self.permissions:
                    errors.append(f"grants {perm!r}, which its permissions module does not declare")
        for item in self.menu_items:
            if item.permission not in registry.all_permissions():
                errors.append(f"menu item {item.url_name!r} needs {item.permission!r}, which no app declares")
        for category in self.consent_categories:
            # The core's categories (health …) are the platform's, like its roles; an app's are namespaced.
            if not self.own(category) and not self.declares_platform_roles:
                errors.append(f"consent category {category!r} is outside the app's namespace {self.slug}.*")
        for metric in self.metrics:
            if not isinstance(metric, Metric) or not metric.name.startswith(self.slug + "."):
                errors.append(f"metric {getattr(metric, 'name', metric)!r} is malformed or outside {self.slug}.*")
        return errors

    def menu_url_name(self, item: MenuItem) -> str:
        return item.url_name


class PluginConfig(BangfuAppConfig):
    """Base AppConfig of a plugin: a Bangfu app that each tenant switches on, with platform-version bounds."""

    is_plugin = True
    version: str = "0.0.0"
    description: Any = ""
    author: str = ""
    #: Inclusive bounds of the platform version (``core.settings.PLATFORM_VERSION``) this plugin runs on.
    min_platform_version: str | None = None
    max_platform_version: str | None = None
    #: Settings with defaults (overridable in ``settings.PLUGIN_SETTINGS[slug]`` for the installation, and per
    #: tenant in ``PluginActivation.config`` through ``settings_form``) and the installation's required ones.
    default_settings: dict = {}
    required_settings: tuple[str, ...] = ()
    #: Dotted path of a ``django.forms.Form`` (or the class) that validates the per-tenant settings; its fields
    #: are the settings a tenant admin may change on the plugin page.
    settings_form: str | type | None = None
    #: Active on newly provisioned tenants unless the creator says otherwise.
    default_active: bool = False

    def ready(self):
        self.slug = self.slug or self.label
        self.check_platform_version()
        self.validate_settings()
        super().ready()

    def check_platform_version(self) -> None:
        current = parse_version(settings.PLATFORM_VERSION, "PLATFORM_VERSION")
        if self.min_platform_version and current < parse_version(self.min_platform_version, self.name):
            raise ImproperlyConfigured(
                f"Plugin {self.name} {self.version} needs platform ≥ {self.min_platform_version}, "
                f"this is {settings.PLATFORM_VERSION}"
            )
        if self.max_platform_version and current > parse_version(self.max_platform_version, self.name):
            raise ImproperlyConfigured(
                f"Plugin {self.name} {self.version} supports platform ≤ {self.max_platform_version}, "
                f"this is {settings.PLATFORM_VERSION}"
            )

    @property
    def settings(self) -> dict:
        """The installation's settings of the plugin: its defaults overlaid with ``PLUGIN_SETTINGS[slug]``."""
        configured = getattr(settings, "PLUGIN_SETTINGS", {}).get(self.slug or self.label, {})
        return {**self.default_settings, **configured}

    def validate_settings(self) -> None:
        missing = [name for name in self.required_settings if name not in self.settings]
        if missing:
            raise ImproperlyConfigured(f"Plugin {self.name} requires settings: {', '.join(missing)}")

    def get_settings_form(self):
        form = self.settings_form
        return import_string(form) if isinstance(form, str) else form

    def settings_for(self, tenant) -> dict:
        """The plugin's settings on one tenant: the installation's, overlaid with the tenant's own (as validated
        when they were saved, cleaned again here so a changed form never hands out a raw value)."""
        values = {**self.settings, **activation_config(tenant, self.slug)}
        form_class = self.get_settings_form()
        if form_class is None:
            return values
        form = form_class(data=values)
        if not form.is_valid():
            log.warning("plugin %s: stored settings of %s no longer valid: %s", self.slug, tenant, form.errors)
            return self.settings
        return {**values, **form.cleaned_data}

    def installed(self, tenant) -> None:
        """Called once when the plugin is switched on for `tenant` (inside that transaction, after the activation is
        saved). Override to prepare the tenant's data; call ``super()`` to keep its figures computed."""

    def uninstalled(self, tenant) -> None:
        """Called once when the plugin is switched off for `tenant`. Its rows stay (switching on again brings them
        back); its figures are removed by the rollups."""

    def menu_url_name(self, item: MenuItem) -> str:
        return item.url_name if ":" in item.url_name else f"plugins:{self.slug}:{item.url_name}"


# ----------------------------------------------------------------------------------------------- registry
class AppRegistry:
    """Every Bangfu app, core and plugin, by slug. Computed from Django's app registry on first use."""

    @cached_property
    def _apps(self) -> dict[str, BangfuAppConfig]:
        if not apps.ready:
            raise ImproperlyConfigured("the Bangfu app registry is read before Django's apps are ready")
        found: dict[str, BangfuAppConfig] = {}
        for cfg in apps.get_app_configs():
            if isinstance(cfg, BangfuAppConfig):
                slug = cfg.slug or cfg.label
                if slug in found:
                    raise ImproperlyConfigured(f"two Bangfu apps use the slug {slug!r}")
                found[slug] = cfg
        return found

    def load(self) -> None:
        """Forget what was computed (the next use reads Django's app registry again)."""
        self.__dict__.pop("_apps", None)

    def apps(self) -> list[BangfuAppConfig]:
        """Every Bangfu app, core apps first (in INSTALLED_APPS order), then the plugins by slug."""
        core = [cfg for cfg in self._apps.values() if not cfg.is_plugin]
        return core + self.all()

    def core_apps(self) -> list[BangfuAppConfig]:
        return [cfg for cfg in self._apps.values() if not cfg.is_plugin]

    def all(self) -> list[PluginConfig]:
        """The installed plugins, by slug."""
        return sorted((cfg for cfg in self._apps.values() if cfg.is_plugin), key=lambda cfg: cfg.slug)

    def get(self, slug: str) -> PluginConfig | None:
        """The installed plugin with this slug (None for a core app or an unknown slug)."""
        cfg = self._apps.get(slug)
        return cfg if cfg is not None and cfg.is_plugin else None

    def get_app(self, slug: str) -> BangfuAppConfig | None:
        return self._apps.get(slug)

    def slugs(self) -> list[str]:
        """Slugs of the installed plugins."""
        return [cfg.slug for cfg in self.all()]

    def app_of(self, dotted: str) -> BangfuAppConfig | None:
        """The Bangfu app a module (or ``module.name``) belongs to."""
        best = None
        for cfg in self._apps.values():
            if dotted == cfg.name or dotted.startswith(cfg.name + "."):
                if best is None or len(cfg.name) > len(best.name):
                    best = cfg
        return best

    def owner_of(self, key: str) -> BangfuAppConfig | None:
        """The app whose namespace a permission or role key is in (``legal_aid.coordinator`` → legal_aid)."""
        return self._apps.get(key.split(".", 1)[0]) if "." in key else None

    def role_specs(self) -> dict[str, RoleSpec]:
        return {role.key: role for cfg in self.apps() for role in cfg.roles}

    def role_keys(self) -> frozenset[str]:
        return frozenset(self.role_specs())

    def all_permissions(self) -> frozenset[str]:
        perms: set[str] = set()
        for cfg in self.apps():
            perms |= cfg.declared_permissions
        return frozenset(perms)

    def installed_metrics(self) -> list[Metric]:
        return [metric for cfg in self.apps() for metric in cfg.metrics]


registry = AppRegistry()


# ------------------------------------------------------------------------------------- activation (one check)
def active_plugin_slugs(tenant) -> frozenset[str]:
    """Slugs of the installed plugins active on `tenant` (one query; memoised on the tenant object)."""
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return frozenset()
    cached = getattr(tenant, "_active_plugin_slugs", None)
    if cached is None:
        prefetch_active_plugins([tenant])
        cached = tenant._active_plugin_slugs
    return cached


def prefetch_active_plugins(tenants) -> None:
    """Memoise the active plugins of many tenants with one query (for work over a batch of tenants)."""
    todo = [t for t in tenants if getattr(t, "_active_plugin_slugs", None) is None]
    if not todo:
        return
    if not registry.all():  # no plugin installed: nothing to ask
        for tenant in todo:
            tenant._active_plugin_slugs = frozenset()
        return
    activation = apps.get_model("tenants", "PluginActivation")
    active: dict[int, set[str]] = {t.pk: set() for t in todo}
    rows = activation.objects.filter(tenant_id__in=list(active), is_active=True).values_list("tenant_id", "plugin")
    for tenant_id, slug in rows:
        active[tenant_id].add(slug)
    for tenant in todo:
        tenant._active_plugin_slugs = frozenset(slug for slug in active[tenant.pk] if registry.get(slug))


def activation_config(tenant, slug: str) -> dict:
    """The per-tenant settings stored on a plugin's activation (empty when it was never switched on)."""
    if tenant is None or not getattr(tenant, "pk", None):
        return {}
    activation = apps.get_model("tenants", "PluginActivation")
    config = activation.objects.filter(tenant_id=tenant.pk, plugin=slug).values_list("config", flat=True).first()
    return dict(config or {})


def forget_active_plugins(tenant) -> None:
    """Drop the memo after a switch (the next check asks the database again)."""
    tenant.__dict__.pop("_active_plugin_slugs", None)


def is_active(app: BangfuAppConfig | None, tenant) -> bool:
    """THE activation check: a core app is active on every tenant, a plugin where it is switched on."""
    if app is None:
        return False
    if not app.is_plugin:
        return tenant is not None and getattr(tenant, "schema_name", "public") != "public"
    return app.slug in active_plugin_slugs(tenant)


def active_apps(tenant) -> list[BangfuAppConfig]:
    """The apps a tenant has: every core app and its active plugins."""
    return [cfg for cfg in registry.apps() if is_active(cfg, tenant)]


def active_plugins(tenant) -> list[PluginConfig]:
    return [cfg for cfg in active_apps(tenant) if cfg.is_plugin]


def installed_metrics() -> list[Metric]:
    """The metrics of every installed app, active anywhere or not."""
    return registry.installed_metrics()


def metrics_for(tenant) -> list[Metric]:
    """The rollup metrics a tenant contributes: those of the apps active there."""
    return [metric for cfg in active_apps(tenant) for metric in cfg.metrics]


def tenants_where_active(app: BangfuAppConfig, tenants):
    """Filter a Tenant queryset to those where `app` is active (for dispatching periodic work)."""
    if not app.is_plugin:
        return tenants
    activation = apps.get_model("tenants", "PluginActivation")
    switched_on = activation.objects.filter(plugin=app.slug, is_active=True).values("tenant_id")
    return tenants.filter(pk__in=switched_on)
