"""The municipal union's assessment of the county unions (D-MU2).

- Indicators are defined per year by the municipal administrator (``define_indicator``) and computed from the
  rollup facts only (``tenant_scores``): the municipal union never reads a county's rows. Each indicator's input is
  the sum of a metric's yearly cells matching its dimensions filter ("value"), or the ratio in % of two such sums
  ("ratio"); the achievement is value / target, capped at 100 %; the score is weight × achievement. The inputs
  behind each score are returned with it, so a county can be shown why it scored what it did.
- Inspections (逐条考核) record the municipal inspector's finding on each item of a station's checklist, read in the
  county's schema (``inspect_station``).
- Demonstration stations (市级示范站点): a county nominates one of its own stations (``nominate_station``); the
  municipal administrator designates or declines it with a reason (``decide_nomination``). A designation marks the
  station exemplary in the county's schema in the same transaction. Both sides see the nominations and their state.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from assessment.models import DemonstrationNomination, Indicator, Inspection
from core.access import require
from core.roles import Perm
from rollups.models import Period, RollupFact
from rollups.services import period_filter
from stations.permissions import StationsPerm
from tenants.models import Tenant

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _require_municipal(actor, municipal, perm: str) -> None:
    """The municipal union's acts: on its own tenant only (the same 404 elsewhere)."""
    if municipal is None or not municipal.is_municipal:
        raise Http404
    require(actor, municipal, perm)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite() or number <= 0:
        raise ValidationError({field: _("Enter a number greater than zero.")})
    return number


def _dims(value, field: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: _("Give the dimensions as an object of names and values.")})
    return {str(k): str(v) for k, v in value.items()}


def _check_filter(metric_name: str, wanted: dict, field: str) -> None:
    """A filter of an installed metric names only its dimensions, and pins its ``measure`` when it has one: the
    cells of different measures (``stations.coverage``: required and covered) are different quantities, and their
    sum means nothing (a ratio over an unpinned denominator added the covered enterprises to the required ones)."""
    from core.plugins import installed_metrics

    metric = next((m for m in installed_metrics() if m.name == metric_name), None)
    if metric is None:
        return
    unknown = sorted(set(wanted) - set(metric.dimensions))
    if unknown:
        message = _("%(metric)s has no dimension %(names)s; its dimensions are: %(dims)s.")
        params = {"metric": metric_name, "names": ", ".join(unknown), "dims": ", ".join(metric.dimensions) or "-"}
        raise ValidationError({field: message % params})
    if "measure" in metric.dimensions and "measure" not in wanted:
        raise ValidationError({field: _("%(metric)s has several measures: choose one.") % {"metric": metric_name}})


# ------------------------------------------------------------------------------------------------ indicators
def indicators(actor, municipal, year: int | None = None):
    _require_municipal(actor, municipal, Perm.VIEW_ROLLUPS)
    rows = Indicator.objects.all()
    return rows if year is None else rows.filter(year=year)


@transaction.atomic
def define_indicator(
    actor,
    municipal,
    *,
    year: int,
    name: str,
    metric: str,
    target,
    weight,
    formula: str = Indicator.Formula.VALUE,
    dims: dict | None = None,
    denominator_metric: str = "",
    denominator_dims: dict | None = None,
) -> Indicator:
    """A quantified indicator of a year (the municipal administrator only)."""
    _require_municipal(actor, municipal, Perm.MANAGE_TENANTS)
    name, metric, denominator_metric = (name or "").strip(), (metric or "").strip(), (denominator_metric or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the indicator a name.")
    if not metric:
        errors["metric"] = _("Choose the metric.")
    if formula not in Indicator.Formula.values:
        errors["formula"] = _("Choose a formula.")
    if formula == Indicator.Formula.RATIO and not denominator_metric:
        errors["denominator_metric"] = _("A ratio needs a denominator metric.")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = _("Enter a year.")
    if errors:
        raise ValidationError(errors)
    dims = _dims(dims, "dims")
    denominator_dims = _dims(denominator_dims, "denominator_dims") if formula == Indicator.Formula.RATIO else {}
    _check_filter(metric, dims, "dims")
    if formula == Indicator.Formula.RATIO:
        _check_filter(denominator_metric, denominator_dims, "denominator_dims")
    indicator = Indicator(
        year=year,
        name=name,
        formula=formula,
        metric=metric,
        dims=dims,
        denominator_metric=denominator_metric if formula == Indicator.Formula.RATIO else "",
        denominator_dims=denominator_dims,
        target=_decimal(target, "target"),
        weight=_decimal(weight, "weight"),
        created_by=actor,
    )
    if Indicator.objects.filter(year=year, name=name).exists():
        raise ValidationError({"name": _("This year already has an indicator of that name.")})
    try:
        with transaction.atomic():
            indicator.save()
    except IntegrityError:
        raise ValidationError({"name": _("This year already has an indicator of that name.")}) from None
    return indicator


# ---------------------------------------------------------------------------------------------------- scores
def _matches(cell_dims: dict, wanted: dict) -> bool:
    return all(str(cell_dims.get(k)) == v for k, v in wanted.items())


def _input(facts: list[dict], tenant_id: int, metric: str, wanted: dict) -> dict:
    cells = [f for f in facts if f["tenant_id"] == tenant_id and f["metric"] == metric and _matches(f["dims"], wanted)]
    return {
        "metric": metric,
        "dims": wanted,
        "value": sum((f["value"] for f in cells), Decimal("0")),
        "cells": len(cells),
    }


def score_of(indicator: Indicator, facts: list[dict], tenant_id: int) -> dict:
    """One tenant's score on one indicator, from the yearly facts, with the inputs behind it."""
    numerator = _input(facts, tenant_id, indicator.metric, indicator.dims)
    inputs = [numerator]
    value: Decimal | None = numerator["value"]
    if indicator.formula == Indicator.Formula.RATIO:
        denominator = _input(facts, tenant_id, indicator.denominator_metric, indicator.denominator_dims)
        inputs.append(denominator)
        value = numerator["value"] * HUNDRED / denominator["value"] if denominator["value"] else None
    achievement = (
        min(value / indicator.target, Decimal("1")) * HUNDRED if value is not None and value > 0 else Decimal(0)
    )
    return {
        "indicator_id": indicator.pk,
        "name": indicator.name,
        "formula": indicator.formula,
        "value": None if value is None else _q(value),
        "target": indicator.target,
        "achievement": _q(achievement),
        "weight": indicator.weight,
        "score": _q(indicator.weight * achievement / HUNDRED),
        "inputs": inputs,
    }


def tenant_scores(actor, municipal, year: int) -> list[dict]:
    """Every active county union's score of a year: per indicator the value, achievement (capped at 100 %) and
    weighted score with its inputs, and the total out of the sum of the weights. Highest total first."""
    _require_municipal(actor, municipal, Perm.VIEW_ROLLUPS)
    defined = list(Indicator.objects.filter(year=year).order_by("name"))
    metrics = {i.metric for i in defined} | {i.denominator_metric for i in defined if i.denominator_metric}
    facts = list(
        RollupFact.objects.filter(period_filter(Period.YEAR, date(year, 1, 1), metrics)).values(
            "tenant_id", "metric", "dims", "value"
        )
    )
    tenants = Tenant.objects.filter(is_active=True).exclude(kind=Tenant.Kind.MUNICIPAL).exclude(schema_name="public")
    weights = sum((i.weight for i in defined), Decimal("0"))
    out = []
    for tenant in tenants.order_by("short_code"):
        scores = [score_of(indicator, facts, tenant.pk) for indicator in defined]
        out.append(
            {
                "tenant_id": tenant.pk,
                "tenant": tenant.name,
                "short_code": tenant.short_code,
                "year": year,
                "indicators": scores,
                "total": sum((s["score"] for s in scores), Decimal("0")),
                "max_total": weights,
            }
        )
    out.sort(key=lambda row: -row["total"])
    return out


# ------------------------------------------------------------------------------------------------ inspection
def _station(tenant, station_id, *, for_update: bool = False):
    """A station of the tenant, read in the tenant's schema (call inside ``schema_context``)."""
    from stations.models import Station

    rows = Station.objects.select_for_update() if for_update else Station.objects.prefetch_related("staff")
    try:
        return rows.get(pk=int(station_id))
    except (Station.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"station_id": _("No such station in this union.")}) from None


def checklist_of(tenant, station_id) -> tuple[str, list[dict]]:
    """The station's name and checklist as recorded by the county (the starting point of an inspection)."""
    with schema_context(tenant.schema_name):
        station = _station(tenant, station_id)
        return station.name, station.checklist()


def stations_of(tenant) -> list[tuple[int, str]]:
    """The open stations of a tenant (id, name) — for choosing one to inspect or nominate."""
    from stations.models import Station

    with schema_context(tenant.schema_name):
        return list(Station.objects.filter(closed_on__isnull=True).order_by("name").values_list("pk", "name"))


@transaction.atomic
def inspect_station(
    actor, municipal, tenant, station_id, items_passed: dict, *, notes: dict | None = None, inspected_on=None
) -> Inspection:
    """Record an item-by-item inspection (逐条考核) of a station of a county union. ``items_passed`` maps an item
    (its text, or its position in the checklist as a string) to whether it passed; an item not given keeps what
    the county recorded. ``notes`` maps items the same way to the inspector's note."""
    _require_municipal(actor, municipal, Perm.MANAGE_TENANTS)
    if tenant is None or not tenant.is_active or tenant.is_municipal:
        raise ValidationError({"tenant": _("Choose an active county union.")})
    name, checklist = checklist_of(tenant, station_id)
    if not checklist:
        raise ValidationError({"station_id": _("This station has no checklist items.")})
    items_passed, notes = dict(items_passed or {}), dict(notes or {})
    known = {row["item"] for row in checklist} | {str(i) for i in range(len(checklist))}
    unknown = sorted((set(items_passed) | set(notes)) - known)
    if unknown:
        raise ValidationError({"items": _("Not on the station's checklist: %(items)s") % {"items": ", ".join(unknown)}})
    items = []
    for position, row in enumerate(checklist):
        key = str(position)
        passed = items_passed.get(key, items_passed.get(row["item"], row["ok"]))
        note = str(notes.get(key, notes.get(row["item"], "")) or "").strip()[:500]
        items.append(
            {"group": row["group"], "item": row["item"], "recorded": row["ok"], "passed": bool(passed), "note": note}
        )
    passed = sum(1 for i in items if i["passed"])
    inspected_on = inspected_on or timezone.localdate()
    return Inspection.objects.create(
        tenant=tenant,
        station_id=int(station_id),
        station_name=name,
        year=inspected_on.year,
        inspector=actor,
        inspected_on=inspected_on,
        items=items,
        score=_q(Decimal(passed) * HUNDRED / len(items)),
    )


def inspections(actor, municipal, tenant=None):
    _require_municipal(actor, municipal, Perm.VIEW_ROLLUPS)
    rows = Inspection.objects.select_related("tenant")
    return rows if tenant is None else rows.filter(tenant=tenant)


# ----------------------------------------------------------------------------------------------- nominations
@transaction.atomic
def nominate_station(actor, tenant, station_id, reason: str, *, year: int | None = None) -> DemonstrationNomination:
    """A county union nominates one of its own open stations as a municipal demonstration station."""
    require(actor, tenant, StationsPerm.MANAGE)
    if tenant.is_municipal:
        raise ValidationError({"station_id": _("Only county unions nominate demonstration stations.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the station is exemplary.")})
    year = year or timezone.localdate().year
    with schema_context(tenant.schema_name):
        station = _station(tenant, station_id)
    if station.closed_on is not None:
        raise ValidationError({"station_id": _("A closed station is not nominated.")})
    if DemonstrationNomination.objects.filter(tenant=tenant, station_id=station.pk, year=year).exists():
        raise ValidationError({"station_id": _("This station is already nominated for that year.")})
    return DemonstrationNomination.objects.create(
        tenant=tenant,
        station_id=station.pk,
        station_name=station.name,
        year=year,
        reason=reason.strip(),
        nominated_by=actor,
    )


def nominations(actor, tenant):
    """The municipal union sees every nomination; a county union only its own."""
    if tenant.is_municipal:
        require(actor, tenant, Perm.VIEW_ROLLUPS)
        return DemonstrationNomination.objects.select_related("tenant", "inspection")
    require(actor, tenant, StationsPerm.VIEW)
    return DemonstrationNomination.objects.filter(tenant=tenant).select_related("tenant", "inspection")


@transaction.atomic
def decide_nomination(
    actor, municipal, nomination_id, *, designate: bool, reason: str = "", inspection_id=None
) -> DemonstrationNomination:
    """Designate (the station becomes exemplary in the county's schema, in this transaction) or decline (with a
    reason). The station's latest inspection of that year is linked unless another one is named."""
    _require_municipal(actor, municipal, Perm.MANAGE_TENANTS)
    try:
        nomination = DemonstrationNomination.objects.select_for_update().select_related("tenant").get(pk=nomination_id)
    except (DemonstrationNomination.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if nomination.status != DemonstrationNomination.Status.NOMINATED:
        raise ValidationError({"designate": _("This nomination has been decided already.")})
    reason = (reason or "").strip()
    if not designate and not reason:
        raise ValidationError({"reason": _("Give the reason for declining.")})
    same_station = Inspection.objects.filter(tenant_id=nomination.tenant_id, station_id=nomination.station_id)
    if inspection_id not in (None, ""):
        inspection = same_station.filter(pk=inspection_id).first()
        if inspection is None:
            raise ValidationError({"inspection_id": _("Choose an inspection of this station.")})
    else:
        inspection = same_station.filter(year=nomination.year).first()  # newest first
    if designate:
        with schema_context(nomination.tenant.schema_name):
            station = _station(nomination.tenant, nomination.station_id, for_update=True)
            station.is_exemplary = True
            station.save(update_fields=["is_exemplary"])
    nomination.status = (
        DemonstrationNomination.Status.DESIGNATED if designate else DemonstrationNomination.Status.DECLINED
    )
    nomination.decision_reason, nomination.inspection = reason, inspection
    nomination.decided_by, nomination.decided_at = actor, timezone.now()
    nomination.save()
    return nomination
