from django.utils.translation import gettext_lazy as _

from core.plugins import BangfuAppConfig


class PeopleConfig(BangfuAppConfig):
    """The tenant's org units and person records: a core tenant app, so that every app (stations, dossiers,
    plugins) can point at the same unit and person without importing another app."""

    default = True  # apps.py also holds the imported base class
    name = "core.people"
    label = "people"
    slug = "people"
    verbose_name = _("People and units")
    mounts_routes = False  # its pages stay with the apps that show units and persons

    def ready(self):
        # django-pgtrigger teaches Django's migrate and makemigrations about Meta.triggers; django-tenants'
        # migrate (migrate_schemas) keeps its own autodetector, which Django 5.2 requires to be the same one.
        from django.core.management.commands import makemigrations
        from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

        MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector
        super().ready()
