"""Production settings: `core.settings` hardened for a public HTTPS server behind nginx.

Select with DJANGO_SETTINGS_MODULE=core.settings_production (the systemd units and the Docker image do).
Every variable read here is listed in `deploy/env.example`. Goal:
`python manage.py check --deploy --settings=core.settings_production` reports nothing.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from core.settings import *  # noqa: F403
from core.settings import BASE_DOMAIN, DATABASES, MIDDLEWARE, STORAGES, env_bool, env_list

# ------------------------------------------------------------------------------------------------ secrets
# No fallback: the base settings' local-only key must never sign a production session.
SECRET_KEY = os.environ.get("BANGFU_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "BANGFU_SECRET_KEY must be set to a random string of at least 50 characters, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )

BANGFU_PII_KEY = os.environ.get("BANGFU_PII_KEY", "")
if len(BANGFU_PII_KEY) < 32:
    raise ImproperlyConfigured(
        "BANGFU_PII_KEY must be set to a random string of at least 32 characters (it encrypts personal data; "
        "keep a backup: without it the encrypted data cannot be read)"
    )

DEBUG = False

# ------------------------------------------------------------------------------------------------- HTTPS
# nginx terminates TLS and sets X-Forwarded-Proto (overwriting whatever the client sent). gunicorn must
# therefore only be reachable from nginx (bind to loopback or a private network).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address for login throttling comes from nginx's X-Real-IP (every request would otherwise seem to come
# from nginx, and one person's failed logins would lock out everyone).
BANGFU_BEHIND_PROXY = env_bool("BANGFU_BEHIND_PROXY", True)
# nginx already redirects port 80; this catches anything that reaches gunicorn over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("BANGFU_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# Session and CSRF cookies stay host-only (SESSION_COOKIE_DOMAIN / CSRF_COOKIE_DOMAIN are left unset), so a
# cookie issued by one tenant's host is never sent to another tenant's host.

# HSTS covers every tenant host: include-subdomains and preload suit a wildcard domain that is HTTPS-only.
# Start with a small BANGFU_HSTS_SECONDS (e.g. 300) on a new domain and raise it once HTTPS works everywhere.
SECURE_HSTS_SECONDS = int(os.environ.get("BANGFU_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Forms are posted from the tenant's own host; the wildcard origin covers every tenant.
CSRF_TRUSTED_ORIGINS = env_list("BANGFU_CSRF_TRUSTED_ORIGINS", f"https://*.{BASE_DOMAIN},https://{BASE_DOMAIN}")

# ------------------------------------------------------------------------------------- two-factor sign-in
# A code after the password (core.twofactor) for tenant administrators, everyone on the municipal union and
# everyone who may reveal full ID numbers; they are sent to enrolment right after their first password login.
BANGFU_REQUIRE_2FA_FOR = {
    "roles": ["tenant_admin"],
    "permissions": ["dossiers.view_id_number"],
    "municipal": True,
}

# -------------------------------------------------------------------------------------------- database
# Persistent connections (seconds; 0 closes after every request), checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BANGFU_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# -------------------------------------------------------------------------------------------- static files
# Hashed, compressed files for long-lived caching (built by `collectstatic`); "default" stays tenant-aware.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Static files straight from gunicorn when no nginx is in front (docker compose); nginx serves them otherwise.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
