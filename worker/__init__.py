"""Bangfu's Celery worker: the tenant-aware app (``celery -A worker``), task kinds and the beat schedule."""

from worker.celery import app

__all__ = ["app"]
