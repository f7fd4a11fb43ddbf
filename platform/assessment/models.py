"""The municipal union's assessment of the county unions (D-MU2), kept in the public schema.

- ``Indicator``: one quantified indicator of a year, computed from the rollup facts (``rollups.models.RollupFact``)
  of each tenant — a sum of a metric's cells ("value") or a ratio of two such sums in % ("ratio") — against a
  target, with a weight in the total.
- ``Inspection``: a station assessed item by item (逐条考核) by the municipal union; the items are the station's
  checklist (``stations.models.Station.checklist``) with the inspector's finding on each.
- ``DemonstrationNomination``: a county union nominates one of its stations as a municipal demonstration station
  (市级示范站点); the municipal union designates or declines it. A designation marks the station exemplary in the
  county's schema.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Indicator(models.Model):
    class Formula(models.TextChoices):
        VALUE = "value", _("Sum of the metric")
        RATIO = "ratio", _("Ratio of two metrics (%)")

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    formula = models.CharField(_("formula"), max_length=10, choices=Formula.choices, default=Formula.VALUE)
    metric = models.CharField(_("metric"), max_length=100)
    dims = models.JSONField(_("dimensions filter"), default=dict, blank=True)
    # Only for ratios: the denominator.
    denominator_metric = models.CharField(_("denominator metric"), max_length=100, blank=True)
    denominator_dims = models.JSONField(_("denominator dimensions filter"), default=dict, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=20, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    weight = models.DecimalField(
        _("weight"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="assessment_indicator_unique"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="assessment_indicator_weight_positive"),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="assessment_indicator_target_positive"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"


class Inspection(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+")
    station_id = models.BigIntegerField()
    station_name = models.CharField(_("station"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("inspected on"))
    # [{"group": ..., "item": ..., "passed": bool, "note": ...}, ...]
    items = models.JSONField(_("items"), default=list)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["tenant", "station_id", "year"])]

    def __str__(self):
        return f"{self.tenant_id}/{self.station_id} {self.inspected_on}"


class DemonstrationNomination(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        DESIGNATED = "designated", _("Designated")
        DECLINED = "declined", _("Declined")

    tenant = models.ForeignKey("tenants.Tenant", verbose_name=_("union"), on_delete=models.PROTECT, related_name="+")
    station_id = models.BigIntegerField()
    station_name = models.CharField(_("station"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"))
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("demonstration station nomination")
        verbose_name_plural = _("demonstration station nominations")
        ordering = ["-nominated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "station_id", "year"], name="assessment_nomination_once"),
            models.CheckConstraint(
                condition=~models.Q(status="declined") | ~models.Q(decision_reason=""),
                name="assessment_declined_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.tenant_id}/{self.station_id} {self.year} {self.status}"
