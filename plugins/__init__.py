"""Bangfu's own plugins, one Django app per folder, each behind the contract in `core.plugins`."""
