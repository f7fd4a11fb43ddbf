"""The platform's signals: where one app lets the others (core or plugin) add to its pages and follow its acts.

Every signal here is a :class:`TenantSignal` (pretix's ``EventPluginSignal``): ``send(sender, tenant=…, …)`` calls
only the receivers of apps that are active on that tenant — every core app, and the plugins switched on there —
so a plugin's receiver never runs for a tenant that has not switched it on. Connect receivers in the app's
``signals.py`` (loaded at start by the app contract) with ``dispatch_uid="<slug>_<purpose>"``.

Receivers of the *page* signals return something to show, or ``None`` for nothing; :meth:`TenantSignal.collect`
gathers what they return, in app order, with ``None`` left out. Receivers of the *event* signals return nothing;
they run inside the sender's transaction, so what they write is all-or-nothing with the act.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

from core.plugins import is_active, registry

log = logging.getLogger(__name__)


class TenantSignal(Signal):
    """A signal whose receivers run only for apps active on the tenant given to ``send``."""

    def _live(self, sender, tenant):
        for receiver in self._live_receivers(sender)[0]:
            app = registry.app_of(getattr(receiver, "__module__", "") or "")
            # A receiver outside any Bangfu app (a test's, Django's) is the platform's own: it always runs.
            if app is None or is_active(app, tenant):
                yield receiver

    def send(self, sender, *, tenant, **named) -> list[tuple[Any, Any]]:  # type: ignore[override]
        """Call the receivers of the apps active on `tenant`; an exception propagates (the act fails whole)."""
        if not self.receivers:
            return []
        return [(r, r(signal=self, sender=sender, tenant=tenant, **named)) for r in self._live(sender, tenant)]

    def send_robust(self, sender, *, tenant, **named) -> list[tuple[Any, Any]]:  # type: ignore[override]
        """Like ``send``, but a failing receiver is logged and answers its exception (a page still shows)."""
        responses = []
        for receiver in self._live(sender, tenant):
            try:
                responses.append((receiver, receiver(signal=self, sender=sender, tenant=tenant, **named)))
            except Exception as exc:  # noqa: BLE001 — one app's broken panel must not break another's page
                log.exception("receiver %r of a page signal failed", receiver)
                responses.append((receiver, exc))
        return responses

    def collect(self, sender, *, tenant, **named) -> list[Any]:
        """What the receivers returned, flattened one level (a receiver may return a list), without ``None`` and
        without failures (those are logged)."""
        out: list[Any] = []
        for _receiver, value in self.send_robust(sender, tenant=tenant, **named):
            if value is None or isinstance(value, Exception):
                continue
            out.extend(value if isinstance(value, list | tuple) else [value])
        return out


@dataclass(frozen=True)
class Panel:
    """A box on another app's page: a title and HTML the receiver made safe (a rendered template)."""

    title: Any
    html: str
    weight: int = 100


def panels(signal: TenantSignal, sender, *, tenant, **named) -> list[Panel]:
    """The panels the active apps give for a page, in their weight's order."""
    return sorted(signal.collect(sender, tenant=tenant, **named), key=lambda panel: panel.weight)


@dataclass(frozen=True)
class ToDo:
    """A line of a home page's to-do list: how many things wait, and the list that shows them."""

    label: Any
    count: int
    url: str
    #: "info", "warning" (something is late) or "danger" (a deadline passed).
    level: str = "info"
    weight: int = 100


@dataclass(frozen=True)
class ExportLink:
    """An export a union can download from its exports list."""

    label: Any
    url: str
    permission: str


# ------------------------------------------------------------------------------------------ page signals
dossier_panels = TenantSignal()
"""The dossier page asks for panels. ``sender``: the Dossier model; named: ``tenant``, ``dossier``, ``request``.
Return a :class:`Panel` (or a list of them) for what your app holds about this household, or ``None``. Check the
requesting user's permissions yourself: the panel is shown to anyone who may see the dossier."""

unit_panels = TenantSignal()
"""The unit page asks for panels. ``sender``: the Unit model; named: ``tenant``, ``unit``, ``request``.
Return a :class:`Panel`, a list of them, or ``None``."""

station_panels = TenantSignal()
"""The station page asks for panels. ``sender``: the Station model; named: ``tenant``, ``station``, ``request``.
Return a :class:`Panel`, a list of them, or ``None``."""

home_todos = TenantSignal()
"""A union's home page asks for its to-do list. ``sender``: None; named: ``tenant``, ``request``. Return a
:class:`ToDo` (or a list of them) for work waiting in your app that this user may do; ``None`` or a count of 0 is
left out. Counting must be cheap: it runs on every visit of the home page."""

exports = TenantSignal()
"""The exports list asks what can be downloaded. ``sender``: None; named: ``tenant``, ``request``. Return an
:class:`ExportLink` (or a list); links whose permission the user lacks are left out by the page."""

# ----------------------------------------------------------------------------------------- event signals
dossier_filed = TenantSignal()
"""A dossier was filed (建档). ``sender``: the Dossier model; named: ``tenant``, ``dossier``, ``actor``."""

dossier_lifted = TenantSignal()
"""A household left hardship (解困). ``sender``: the Dossier model; named: ``tenant``, ``dossier``, ``actor``."""

dossier_cancelled = TenantSignal()
"""A dossier was cancelled (注销). ``sender``: the Dossier model; named: ``tenant``, ``dossier``, ``actor``."""

dossier_transferred = TenantSignal()
"""A dossier moved to another union. ``sender``: the Dossier model; named: ``tenant`` (the sender's),
``to_tenant``, ``old_id``, ``new_id``, ``actor``. Runs for the sending tenant before its rows are deleted."""

dossier_changed = TenantSignal()
"""A dossier's members or status changed (filed, edited, transferred in, lifted …). ``sender``: the Dossier model;
named: ``tenant``, ``dossier``, ``new`` (True when the dossier was just created). The exchange keeps its index of
people across unions from it."""

visit_registering = TenantSignal()
"""A station is about to register a visit. ``sender``: the ReceptionRecord model; named: ``tenant``, ``actor``,
``dossier_id`` (the visitor's dossier, or None). A receiver checks the links its app owns and raises
``ValidationError`` to refuse the visit (the dossiers app: the actor may see the dossier)."""

app_switched = TenantSignal()
"""A plugin was switched on or off for a tenant (after its ``installed`` / ``uninstalled`` hook ran).
``sender``: the plugin's AppConfig class; named: ``tenant``, ``app`` (the AppConfig), ``active`` (the new state).
Sent inside the switch's transaction; the rollups refresh the tenant's figures from it."""
