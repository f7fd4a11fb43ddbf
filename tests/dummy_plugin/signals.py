"""The dummy plugin's receivers of the platform's signals: a panel on the dossier page, a to-do on the home page,
an export link, and a note when a dossier is filed (each reaches only tenants where the plugin is active)."""

from core.signals import (
    ExportLink,
    Panel,
    ToDo,
    dossier_filed,
    dossier_panels,
    exports,
    home_todos,
    station_panels,
    unit_panels,
)


def _panel(sender, tenant, dossier, request, **kwargs):
    return Panel(title="Dummy panel", html=f"things of dossier {dossier.pk}")


def _todos(sender, tenant, request, **kwargs):
    from tests.dummy_plugin.models import Thing

    return ToDo(label="Dummy things to look at", count=Thing.objects.count(), url="/plugins/dummy/things/")


def _exports(sender, tenant, request, **kwargs):
    return ExportLink(label="Dummy things (Excel)", url="/plugins/dummy/things/", permission="dummy.view_things")


def _filed(sender, tenant, dossier, actor, **kwargs):
    from tests.dummy_plugin.models import HookCall

    HookCall.objects.create(hook="dossier_filed", detail=str(dossier.pk))


dossier_panels.connect(_panel, dispatch_uid="dummy_dossier_panel")
home_todos.connect(_todos, dispatch_uid="dummy_home_todos")
exports.connect(_exports, dispatch_uid="dummy_exports")
dossier_filed.connect(_filed, dispatch_uid="dummy_dossier_filed")


def _station_panel(sender, tenant, station, request, **kwargs):
    return Panel(title="Dummy station panel", html=f"things of station {station.pk}")


def _unit_panel(sender, tenant, unit, request, **kwargs):
    return Panel(title="Dummy unit panel", html=f"things of unit {unit.pk}")


station_panels.connect(_station_panel, dispatch_uid="dummy_station_panel")
unit_panels.connect(_unit_panel, dispatch_uid="dummy_unit_panel")
