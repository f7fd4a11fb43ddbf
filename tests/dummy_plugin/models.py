from django.db import models


class Thing(models.Model):
    """A row in each tenant's schema."""

    name = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The core's kits: the union's unit tree (core.scope limits what a scoped member sees) and its person record.
    unit = models.ForeignKey("people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return self.name


class HookCall(models.Model):
    """What the platform called on the plugin in this tenant (installed, uninstalled, a dossier filed …)."""

    hook = models.CharField(max_length=40)
    detail = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.hook
