"""Beat schedule: the platform's own entries plus every installed plugin's periodic tasks.

A plugin's tenant-scoped periodic task becomes one beat entry that runs ``worker.dispatch_to_tenants``, which
sends it to each tenant where the plugin is active; a shared one is scheduled as is.
"""

from celery.beat import PersistentScheduler


def build_beat_schedule() -> dict:
    from core.plugins import registry

    schedule: dict = {}
    for plugin in registry.all():
        for periodic in plugin.periodic_tasks:
            key = f"plugin:{plugin.slug}:{periodic.name}"
            if periodic.scope == "tenant":
                schedule[key] = {
                    "task": "worker.dispatch_to_tenants",
                    "schedule": periodic.schedule,
                    "kwargs": {"task_name": periodic.task, "plugin": plugin.slug, "kwargs": periodic.kwargs},
                }
            else:
                schedule[key] = {"task": periodic.task, "schedule": periodic.schedule, "kwargs": periodic.kwargs}
    return schedule


class PluginAwareScheduler(PersistentScheduler):
    def setup_schedule(self):
        self.app.conf.beat_schedule = {**build_beat_schedule(), **(self.app.conf.beat_schedule or {})}
        super().setup_schedule()
