"""Health of the services the platform needs: the database, Redis and the worker."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def _timed(check):
    start = time.monotonic()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # report, never raise: this is the health page
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - start) * 1000, 1)}


def _database():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return "reachable"


def _redis():
    cache.set("health-probe", "1", 10)
    if cache.get("health-probe") != "1":
        raise RuntimeError("cache did not return what was written")
    return "reachable"


def _worker():
    # The worker's Celery app is the current one once any app's tasks are loaded; the core does not import it.
    from celery import current_app

    replies = current_app.control.ping(timeout=getattr(settings, "BANGFU_HEALTH_WORKER_TIMEOUT", 1.0))
    if not replies:
        raise RuntimeError("no worker answered")
    return f"{len(replies)} worker(s) answered"


def check_all() -> dict:
    checks = {"database": _timed(_database), "redis": _timed(_redis), "worker": _timed(_worker)}
    if not (checks["database"]["ok"] and checks["redis"]["ok"]):
        status = "down"  # the web cannot serve without these
    elif not checks["worker"]["ok"]:
        status = "degraded"  # pages work; background jobs wait
    else:
        status = "ok"
    return {"status": status, "checks": checks}
