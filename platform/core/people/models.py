"""The people of a tenant and the organisations they belong to, living in each tenant's schema.

- ``Unit``: the organisations inside a tenant — the tenant's own union, enterprises (an enterprise group's
  subsidiaries at any depth), development zones / parks, townships / streets, communities / villages. Every app
  (stations, dossiers, plugins) points at these; which of them a membership may see is ``core.scope``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.people.validators import validate_uscc


class Unit(models.Model):
    class Kind(models.TextChoices):
        UNION = "union", _("The tenant's own union")
        ENTERPRISE = "enterprise", _("Enterprise")
        ZONE = "zone", _("Development zone / industrial park")
        TOWNSHIP = "township", _("Township / street")
        COMMUNITY = "community", _("Community / village")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Enterprises only.
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    has_union = models.BooleanField(_("has a union"), default=False)
    union_is_sound = models.BooleanField(_("union is sound"), default=False)
    above_designated_size = models.BooleanField(_("above designated size (规模以上)"), default=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    without_premises = models.BooleanField(_("building-economy enterprise without premises"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        # The table kept its name when the model moved from the stations app: no data moved.
        db_table = "stations_unit"
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="unit_credit_code_unique"
            ),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(kind="union"), name="unit_one_own_union"),
            models.CheckConstraint(
                condition=models.Q(union_is_sound=False) | models.Q(has_union=True),
                name="unit_sound_union_exists",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_enterprise(self) -> bool:
        return self.kind == self.Kind.ENTERPRISE

    def proposed_station_name(self) -> str:
        """The province-wide standard name: "××公司工会帮扶服务站" (D-ST3)."""
        if self.kind == self.Kind.ENTERPRISE:
            return f"{self.name}工会帮扶服务站"
        return f"{self.name}帮扶服务站"
