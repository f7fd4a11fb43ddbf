"""Test settings: the real settings plus the dummy plugin that exercises the plugin contract."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("BANGFU_DEBUG", "0")

from core.settings import *  # noqa: E402,F403
from core.settings import PLUGINS, build_apps  # noqa: E402

PLUGINS = [*PLUGINS, "tests.dummy_plugin"]
TENANT_APPS, INSTALLED_APPS = build_apps(PLUGINS)
PLUGIN_SETTINGS = {"dummy": {"greeting": "hello"}}
# Fast hashing in tests only (production uses Django's default PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BANGFU_CACHE_PREFIX", f"bangfu-test-{os.getpid()}")  # noqa: F405
BANGFU_HEALTH_WORKER_TIMEOUT = 0.3
# Each test run has its own queues, so a worker of another run never takes our tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BANGFU_CELERY_QUEUE") or f"test-{os.getpid()}"
CELERY_TASK_ROUTES = {"tenants.provision_tenant": {"queue": CELERY_TASK_DEFAULT_QUEUE}}

# Uploaded files of a test run go to a folder of its own (each tenant's under its schema's name).
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bangfu-test-media-"))
