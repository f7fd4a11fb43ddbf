"""System checks that keep the layout honest."""

from pathlib import Path

from django.core.checks import Error, register


@register()
def platform_is_not_a_package(app_configs, **kwargs):
    root = Path(__file__).resolve().parent.parent
    if (root / "__init__.py").exists():
        return [
            Error(
                "platform/__init__.py exists: a package named `platform` shadows the standard library.",
                id="bangfu.E001",
            )
        ]
    return []


@register()
def apps_keep_the_contract(app_configs, **kwargs):
    """Every Bangfu app's declarations hold: grants of its own permissions only, namespaced roles, menu items
    that resolve and name a declared permission, well-formed metrics and PEP 440 version bounds."""
    from django.core.exceptions import ImproperlyConfigured
    from django.urls import NoReverseMatch, reverse

    from core.plugins import parse_version, registry

    errors = []
    for app in registry.apps():
        for problem in app.contract_errors():
            errors.append(Error(f"{app.name}: {problem}", id="bangfu.E010", obj=app))
        for item in app.menu_items:
            try:
                reverse(app.menu_url_name(item))
            except NoReverseMatch:
                errors.append(
                    Error(
                        f"{app.name}: menu item {item.url_name!r} does not resolve",
                        hint="Name a URL of the app's urls.py (a plugin's relative to its namespace).",
                        id="bangfu.E011",
                        obj=app,
                    )
                )
        for bound in ("min_platform_version", "max_platform_version", "version"):
            value = getattr(app, bound, None) if app.is_plugin else None
            if value:
                try:
                    parse_version(value, f"{app.name}.{bound}")
                except ImproperlyConfigured as exc:
                    errors.append(Error(str(exc), id="bangfu.E012", obj=app))
    return errors
