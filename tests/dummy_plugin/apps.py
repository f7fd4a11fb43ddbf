from core.plugins import PluginConfig


class DummyPluginConfig(PluginConfig):
    default = True
    name = "tests.dummy_plugin"
    label = "dummy_plugin"
    slug = "dummy"
    verbose_name = "Dummy plugin"
    version = "1.2.3"
    description = "Exercises every hook of the plugin contract."
    min_platform_version = "0.1.0"
    max_platform_version = "0.9.0"
    default_settings = {"greeting": "你好"}
    settings_form = "tests.dummy_plugin.forms.DummySettingsForm"
    default_active = False

    def installed(self, tenant):
        """Leaves a trace in the tenant's schema (the tests count the switches by it)."""
        from tests.dummy_plugin.models import HookCall

        HookCall.objects.create(hook="installed")

    def uninstalled(self, tenant):
        from tests.dummy_plugin.models import HookCall

        HookCall.objects.create(hook="uninstalled")
