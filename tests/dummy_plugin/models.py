from django.db import models


class Thing(models.Model):
    """A row in each tenant's schema."""

    name = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    def __str__(self):
        return self.name


class HookCall(models.Model):
    """What the platform called on the plugin in this tenant (installed, uninstalled, a dossier filed …)."""

    hook = models.CharField(max_length=40)
    detail = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.hook
