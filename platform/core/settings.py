"""Settings of the Bangfu platform. Everything that differs between machines comes from the environment;
`deploy/env.example` lists every variable. `core.settings_production` hardens these for a public server.

Apps are split the django-tenants way: SHARED_APPS live in the public schema (tenants, domains, users,
memberships, plugin activations, provisioning jobs), TENANT_APPS in every tenant's schema (the core's
tenant data and every installed plugin's models). Plugins are listed in BANGFU_PLUGINS and found through
the `bangfu.plugins` entry-point group; see `core.plugins`.
"""

import os
from importlib.metadata import entry_points
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # platform/
REPO_DIR = BASE_DIR.parent

PLATFORM_VERSION = "0.1.0"


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("BANGFU_DEBUG")
# The fallback key is for the local stack only; core.settings_production refuses to start without one.
SECRET_KEY = os.environ.get("BANGFU_SECRET_KEY") or "insecure-local-only-key-do-not-use-in-production"

# Master key for personal data (encryption and blind index, see core.pii). The fallback is for the local stack
# only; core.settings_production refuses to start without a real one. Losing it loses the encrypted data.
BANGFU_PII_KEY = os.environ.get("BANGFU_PII_KEY") or "insecure-local-only-pii-key-do-not-use-in-production"

# Tenants are served at <short_code>.<BASE_DOMAIN>; `*.localhost` resolves to loopback in browsers.
BASE_DOMAIN = os.environ.get("BANGFU_BASE_DOMAIN", "localhost")
# Hosts that serve the public (non-tenant) site: landing page and health check.
PUBLIC_HOSTS = env_list("BANGFU_PUBLIC_HOSTS", f"{BASE_DOMAIN},127.0.0.1,testserver")
ALLOWED_HOSTS = env_list("BANGFU_ALLOWED_HOSTS", f".{BASE_DOMAIN},{BASE_DOMAIN},127.0.0.1,testserver")

# ------------------------------------------------------------------------------------------------ plugins
# Plugins shipped with Bangfu (added as they land) plus extra ones named in the environment.
PLUGINS = env_list("BANGFU_PLUGINS", "")
# Third-party plugins installed with pip announce themselves in the `bangfu.plugins` entry-point group.
for _ep in entry_points(group="bangfu.plugins"):
    if _ep.value not in PLUGINS:
        PLUGINS.append(_ep.value)

SHARED_APPS = [
    "django_tenants",
    "core",
    "tenants",
    "exchange",
    "rollups",
    "assessment",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "pgtrigger",  # append-only tables declared on the model (core.people's audit and consent)
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# Apps whose tables every tenant schema holds. The admin's log lives per tenant.
CORE_TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.admin",
    "core.people",  # org units and persons, which every later app points at
    "core.jobs",
    "stations",
    "dossiers",
]


def build_apps(plugins: list[str]) -> tuple[list[str], list[str]]:
    """TENANT_APPS and INSTALLED_APPS for a list of plugin apps (test settings add the dummy plugin)."""
    tenant_apps = CORE_TENANT_APPS + list(plugins)
    installed = SHARED_APPS + [app for app in tenant_apps if app not in SHARED_APPS]
    return tenant_apps, installed


TENANT_APPS, INSTALLED_APPS = build_apps(PLUGINS)

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New tenants are cloned from this schema, kept migrated by `tenants.provisioning.ensure_template`.
BANGFU_TEMPLATE_SCHEMA = "tenant_template"

MIDDLEWARE = [
    "core.middleware.TenantHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.TenantMembershipMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.TwoFactorGateMiddleware",
    "core.middleware.PluginGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "core.urls"
PUBLIC_SCHEMA_URLCONF = "core.urls_public"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.platform",
            ],
        },
    },
]

# ----------------------------------------------------------------------------------------------- database
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through `make demo` / `make test` (they start embedded servers) "
        "or export DATABASE_URL=postgresql://user:password@host:5432/bangfu"
    )
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("BANGFU_DB_CONN_MAX_AGE", "0")))
_db["ENGINE"] = "django_tenants.postgresql_backend"
# Lets a process (the tests' worker) use another database on the same server.
_db["NAME"] = os.environ.get("BANGFU_DB_NAME", _db["NAME"])
_db.setdefault("TEST", {})["NAME"] = os.environ.get("BANGFU_TEST_DB_NAME", f"test_{_db['NAME']}")
DATABASES = {"default": _db}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The rollup engine's prepared statements a database session keeps (one per tenant computed whole, about 1.2 MB of
# server memory each; rollups.engine._Prepared): the least recently used go beyond this. The engine's own four (the
# changes, the runs' start and record, the changes' run) are kept besides.
ROLLUP_PREPARED_STATEMENTS = int(os.environ.get("BANGFU_ROLLUP_PREPARED_STATEMENTS", "100"))

# ---------------------------------------------------------------------------------------------- Redis etc.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
REDIS_CACHE_DB = int(os.environ.get("BANGFU_REDIS_CACHE_DB", "1"))
REDIS_BROKER_DB = int(os.environ.get("BANGFU_REDIS_BROKER_DB", "2"))
REDIS_RESULT_DB = int(os.environ.get("BANGFU_REDIS_RESULT_DB", "3"))


def redis_db_url(db: int) -> str:
    return f"{REDIS_URL.rstrip('/')}/{db}"


CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_db_url(REDIS_CACHE_DB),
        # Every key carries the tenant's schema: one tenant can never read another's cache entry.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": os.environ.get("BANGFU_CACHE_PREFIX", "bangfu"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}

# Celery (worker/celery.py reads the CELERY_ names).
CELERY_BROKER_URL = redis_db_url(REDIS_BROKER_DB)
CELERY_RESULT_BACKEND = redis_db_url(REDIS_RESULT_DB)
# Redis redelivers an unacknowledged task after the visibility timeout; every time limit stays below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_RESULT_EXPIRES = 86400
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BANGFU_CELERY_QUEUE", "celery")
CELERY_TASK_ROUTES = {
    "tenants.provision_tenant": {"queue": os.environ.get("BANGFU_PROVISIONING_QUEUE", "provisioning")}
}
CELERY_BEAT_SCHEDULER = "worker.beat:PluginAwareScheduler"
CELERY_BEAT_SCHEDULE = {
    # Dirty tenant periods reach the municipal figures within a minute; the nightly run is the full backstop.
    "rollups-dispatch": {"task": "rollups.dispatch", "schedule": 60.0},
    "rollups-nightly": {"task": "rollups.nightly", "schedule": crontab(hour=2, minute=15)},
}

# Spreadsheet imports of more data rows than this run in the worker, with progress (core.importing.start_import).
IMPORT_WORKER_THRESHOLD = int(os.environ.get("BANGFU_IMPORT_WORKER_THRESHOLD", "300"))
IMPORT_JOB_SENDER = "worker.tasks.send_import_job"  # sends a stored ImportJob to the worker, in its tenant

# ------------------------------------------------------------------------------------------------- auth
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["core.auth.TenantRoleBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # Django's default
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins before a lock-out, counted across all hosts (core.auth.LoginThrottle): of one account from one
# address, from one address whatever the accounts, of one account from all addresses (kept above the per-address
# limit, so one address never locks out someone else); and the lock-out's length.
BANGFU_LOGIN_MAX_FAILURES = int(os.environ.get("BANGFU_LOGIN_MAX_FAILURES", "5"))
BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
BANGFU_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("BANGFU_LOGIN_MAX_FAILURES_PER_ACCOUNT", "50"))
BANGFU_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("BANGFU_LOGIN_LOCKOUT_SECONDS", "900"))
BANGFU_BEHIND_PROXY = env_bool("BANGFU_BEHIND_PROXY")
# Two-factor sign-in (core.twofactor): available to everyone; required of the members matched here — by role, by
# permission held on the tenant, or everyone on the municipal union. core.settings_production sets it.
BANGFU_REQUIRE_2FA_FOR: dict = {"roles": [], "permissions": [], "municipal": False}
OTP_TOTP_ISSUER = "Bangfu 帮扶"
# Seconds between the password and the code of a two-step login.
BANGFU_2FA_PENDING_SECONDS = 300
# Days an invitation to join a union waits for its answer (tenants.services.invite_member).
BANGFU_INVITATION_DAYS = int(os.environ.get("BANGFU_INVITATION_DAYS", "14"))
SESSION_COOKIE_AGE = int(os.environ.get("BANGFU_SESSION_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# -------------------------------------------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsTenantMember"],
    # JSON within size and depth limits (core.api.parsers); forms and uploads as DRF parses them.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
}
# A JSON request body: at most this many bytes and this many levels of nested objects and lists.
BANGFU_JSON_MAX_BYTES = int(os.environ.get("BANGFU_JSON_MAX_BYTES", str(1024 * 1024)))
BANGFU_JSON_MAX_DEPTH = int(os.environ.get("BANGFU_JSON_MAX_DEPTH", "32"))
# Years a query may ask for (?year=, ?start=): the platform holds nothing before 2000; beyond 2100 is a typo.
BANGFU_YEAR_MIN = 2000
BANGFU_YEAR_MAX = 2100
SPECTACULAR_SETTINGS = {
    "TITLE": "Bangfu API",
    "DESCRIPTION": "帮扶工作平台 API — every path is served on a tenant's host and sees only that tenant.",
    "VERSION": PLATFORM_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TenantKindEnum": "tenants.models.Tenant.Kind",
        "NewTenantKindEnum": "tenants.models.NEW_TENANT_KINDS",
        "UnitKindEnum": "core.people.models.Unit.Kind",
        "StationKindEnum": "stations.models.Station.Kind",
        "FundEntryKindEnum": "stations.models.FundEntry.Kind",
        "DossierStatusEnum": "dossiers.models.Dossier.Status",
        "DossierCauseEnum": "dossiers.models.Dossier.Cause",
        "ConsentCategoryEnum": "dossiers.models.Consent.Category",
        "ReceptionCategoryEnum": "stations.models.ReceptionRecord.Category",
        "AssistanceKindEnum": "dossiers.models.Assistance.Kind",
    },
}

# ------------------------------------------------------------------------------------------------ i18n
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# ----------------------------------------------------------------------------------------- static, media
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("BANGFU_STATIC_ROOT", REPO_DIR / ".data" / "static"))
MEDIA_URL = "/media/"
# Per-tenant media: django-tenants' storage puts each tenant's files under its own schema folder.
MEDIA_ROOT = Path(os.environ.get("BANGFU_MEDIA_ROOT", REPO_DIR / ".data" / "media"))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANGFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
