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
