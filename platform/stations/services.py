"""Domain acts on units, stations, the reception register and the fund ledger.

Every function takes the acting user and the tenant, checks the permission (``core.access``) and the station
scope of the actor's membership, and runs in a transaction. Reads of one object go through ``access_*`` helpers
that answer 404 for "not yours" and "missing" alike. All functions run in the tenant's schema (the request's or
the task's connection is already set to it).

Coverage (D-ST1, D-ST2) is derived, never stored: ``coverage_requirement(unit)`` says what the policy asks of an
enterprise, ``unit_compliance`` whether its stations satisfy it, ``coverage_figures(year)`` the tenant's share
against the year's target.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import scope
from core import signals as core_signals
from core.access import membership_for, require
from core.people.models import Unit
from core.people.validators import normalize_uscc
from core.roles import Role
from stations.models import (
    OWN_STATION_MIN_EMPLOYEES,
    CoverageTarget,
    FundAccount,
    FundEntry,
    ReceptionRecord,
    ServicePoint,
    Station,
    StationStaff,
)
from stations.permissions import StationsPerm

CENT = Decimal("0.01")


# ------------------------------------------------------------------------------------------------ scope
# Which units a membership sees is ``core.scope``'s answer, shared with the dossiers and the plugins.


def visible_units(user, tenant):
    """Units the user may see: all for a tenant-wide membership, else the user's unit subtree."""
    require(user, tenant, StationsPerm.VIEW)
    return scope.limit(Unit.objects.all(), user, tenant, "pk")


def visible_stations(user, tenant):
    """Stations the user may see: all for a tenant-wide membership, else those of the user's unit subtree."""
    require(user, tenant, StationsPerm.VIEW)
    return scope.limit(Station.objects.all(), user, tenant, "unit")


def access_station(user, tenant, station_id) -> Station:
    try:
        return visible_stations(user, tenant).get(pk=station_id)
    except (Station.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_reception(user, tenant, record_id, *, for_update=False) -> ReceptionRecord:
    records = ReceptionRecord.objects.filter(station__in=visible_stations(user, tenant))
    if for_update:
        records = records.select_for_update()
    try:
        return records.get(pk=record_id)
    except (ReceptionRecord.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_accounts(user, tenant):
    require(user, tenant, StationsPerm.VIEW_FUNDS)
    if scope.units_for(user, tenant) is None:
        return FundAccount.objects.all()
    return FundAccount.objects.filter(station__in=visible_stations(user, tenant))


def access_account(user, tenant, account_id, *, for_update=False) -> FundAccount:
    accounts = visible_accounts(user, tenant)
    if for_update:
        accounts = accounts.select_for_update()
    try:
        return accounts.get(pk=account_id)
    except (FundAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ------------------------------------------------------------------------------------------------ units
UNIT_FIELDS = (
    "kind",
    "name",
    "parent",
    "credit_code",
    "employee_count",
    "has_union",
    "union_is_sound",
    "above_designated_size",
    "industry",
    "without_premises",
)


def build_unit(data: dict, instance: Unit | None = None, *, check_duplicates: bool = True) -> Unit:
    """Fill and validate a Unit (unsaved); ValidationError names the fields. An import that checks duplicate
    credit codes and the one own union for the whole file at once passes ``check_duplicates=False``."""
    unit = instance or Unit()
    for field in UNIT_FIELDS:
        if field in data:
            setattr(unit, field, data[field])
    unit.credit_code = normalize_uscc(unit.credit_code)
    unit.name = (unit.name or "").strip()
    errors: dict[str, list] = {}
    try:
        # The table's constraints are checked below with messages that name their field.
        unit.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if unit.kind == Unit.Kind.ENTERPRISE:
        if unit.employee_count is None:
            errors.setdefault("employee_count", []).append(_("Give the number of employees of an enterprise."))
    elif unit.credit_code or unit.without_premises:
        errors.setdefault("kind", []).append(_("Only enterprises carry a credit code or the no-premises flag."))
    if unit.union_is_sound and not unit.has_union:
        errors.setdefault("union_is_sound", []).append(_("A union can only be sound if it exists."))
    others = Unit.objects.exclude(pk=unit.pk)
    if check_duplicates and unit.credit_code and others.filter(credit_code=unit.credit_code).exists():
        errors.setdefault("credit_code", []).append(_("Another unit has this credit code."))
    if check_duplicates and unit.kind == Unit.Kind.UNION and others.filter(kind=Unit.Kind.UNION).exists():
        errors.setdefault("kind", []).append(_("The tenant's own union exists already."))
    if unit.parent_id and instance is not None and unit.parent_id in scope.unit_subtree_ids(instance.pk):
        errors.setdefault("parent", []).append(_("A unit cannot be placed below itself."))
    if errors:
        raise ValidationError(errors)
    return unit


@transaction.atomic
def save_unit(actor, tenant, data: dict, instance: Unit | None = None) -> Unit:
    require(actor, tenant, StationsPerm.MANAGE)
    unit = build_unit(data, instance)
    unit.save()
    return unit


# ----------------------------------------------------------------------------------------------- stations
STATION_FIELDS = (
    "unit",
    "kind",
    "name",
    "host_station",
    "office_area",
    "co_located_with",
    "has_service_window",
    "has_sign",
    "archive_and_it_ready",
    "hotline",
    "website",
    "mailbox",
    "head_name",
    *Station.RULE_FIELDS,
    "is_pilot",
    "is_exemplary",
    "established_on",
    "closed_on",
)
HOST_UNIT_KINDS = {Unit.Kind.ZONE, Unit.Kind.TOWNSHIP, Unit.Kind.COMMUNITY}


@transaction.atomic
def save_station(actor, tenant, data: dict, instance: Station | None = None) -> Station:
    """Create or change a station. The standard name is proposed from the unit when none is given."""
    require(actor, tenant, StationsPerm.MANAGE)
    station = instance or Station()
    for field in STATION_FIELDS:
        if field in data:
            setattr(station, field, data[field])
    if not (station.name or "").strip() and station.unit_id:
        station.name = station.unit.proposed_station_name()
    if station.kind != Station.Kind.ATTACHED:
        station.host_station = None
    errors: dict[str, list] = {}
    try:
        station.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if station.kind == Station.Kind.ATTACHED:
        host = station.host_station
        if host is None:
            errors.setdefault("host_station", []).append(_("An attached station names the station it relies on."))
        elif host.kind != Station.Kind.OWN or host.unit.kind not in HOST_UNIT_KINDS:
            errors.setdefault("host_station", []).append(
                _("The host must be the own station of a zone/park, township/street or community/village.")
            )
    if station.closed_on and station.established_on and station.closed_on < station.established_on:
        errors.setdefault("closed_on", []).append(_("A station cannot close before it was established."))
    if station.kind == Station.Kind.VIRTUAL and not (station.hotline or station.website or station.mailbox):
        errors.setdefault("hotline", []).append(_("A virtual station needs the hotline, a website or a mailbox."))
    if errors:
        raise ValidationError(errors)
    station.save()
    return station


@transaction.atomic
def add_station_staff(actor, tenant, station_id, *, name: str, full_time: bool = False, duty: str = ""):
    require(actor, tenant, StationsPerm.MANAGE)
    station = access_station(actor, tenant, station_id)
    member = StationStaff(station=station, name=(name or "").strip(), full_time=full_time, duty=(duty or "").strip())
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def remove_station_staff(actor, tenant, staff_id) -> None:
    require(actor, tenant, StationsPerm.MANAGE)
    deleted, _rows = StationStaff.objects.filter(pk=staff_id, station__in=visible_stations(actor, tenant)).delete()
    if not deleted:
        raise Http404


@transaction.atomic
def add_service_point(actor, tenant, station_id, *, name: str, location: str = ""):
    require(actor, tenant, StationsPerm.MANAGE)
    station = access_station(actor, tenant, station_id)
    point = ServicePoint(station=station, name=(name or "").strip(), location=(location or "").strip())
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def remove_service_point(actor, tenant, point_id) -> None:
    require(actor, tenant, StationsPerm.MANAGE)
    deleted, _rows = ServicePoint.objects.filter(pk=point_id, station__in=visible_stations(actor, tenant)).delete()
    if not deleted:
        raise Http404


# ---------------------------------------------------------------------------------------------- coverage
class Requirement(enum.StrEnum):
    OWN = "own"
    ATTACHED_OR_VIRTUAL = "attached_or_virtual"
    VIRTUAL = "virtual"
    NONE = "none"


REQUIREMENT_LABELS = {
    Requirement.OWN: gettext_lazy("Own station required"),
    Requirement.ATTACHED_OR_VIRTUAL: gettext_lazy("Attached or virtual station"),
    Requirement.VIRTUAL: gettext_lazy("Virtual station (no premises)"),
    Requirement.NONE: gettext_lazy("No station required yet"),
}


def coverage_requirement(unit: Unit) -> Requirement:
    """What D-ST1 asks of an enterprise.

    - not an enterprise, or no union yet → nothing (the union comes first);
    - a building-economy enterprise without premises → a virtual station (it has no place for an office);
    - a sound union and ≥ 200 employees → its own station;
    - otherwise (smaller, or the union not yet sound) → attached to a park/township/community station, or virtual.
    """
    if unit.kind != Unit.Kind.ENTERPRISE or not unit.has_union:
        return Requirement.NONE
    if unit.without_premises:
        return Requirement.VIRTUAL
    if unit.union_is_sound and (unit.employee_count or 0) >= OWN_STATION_MIN_EMPLOYEES:
        return Requirement.OWN
    return Requirement.ATTACHED_OR_VIRTUAL


@dataclass(frozen=True)
class Compliance:
    requirement: Requirement
    station_kinds: tuple[str, ...]
    complies: bool

    @property
    def requirement_label(self) -> str:
        return str(REQUIREMENT_LABELS[self.requirement])


def open_on(day: date) -> Q:
    """Stations open on `day` (established by then and not yet closed)."""
    return Q(established_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))


def unit_compliance(unit: Unit, on_day: date | None = None, kinds: tuple[str, ...] | None = None) -> Compliance:
    """Whether the unit's open stations satisfy its requirement (an own station satisfies every requirement)."""
    day = on_day or timezone.localdate()
    if kinds is None:
        kinds = tuple(sorted(set(unit.stations.filter(open_on(day)).values_list("kind", flat=True))))
    requirement = coverage_requirement(unit)
    if requirement == Requirement.NONE:
        complies = True
    elif requirement == Requirement.OWN:
        complies = Station.Kind.OWN in kinds
    else:
        complies = bool(kinds)
    return Compliance(requirement, kinds, complies)


DEFAULT_TARGET_STEPS = (Decimal("50"), Decimal("75"), Decimal("100"))  # D-ST2: 50 % the first year, all in 3


@transaction.atomic
def set_coverage_target(actor, tenant, *, year: int, share) -> CoverageTarget:
    """Set the share (0–100 %) that a year's coverage must reach."""
    require(actor, tenant, StationsPerm.MANAGE)
    target = CoverageTarget.objects.filter(year=year).first() or CoverageTarget(year=year)
    target.share = share
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def set_default_targets(actor, tenant, start_year: int) -> list[CoverageTarget]:
    """50 % in the first year, 100 % by the third (75 % between); existing years are kept."""
    require(actor, tenant, StationsPerm.MANAGE)
    return [
        CoverageTarget.objects.get_or_create(year=start_year + offset, defaults={"share": share})[0]
        for offset, share in enumerate(DEFAULT_TARGET_STEPS)
    ]


def target_for(year: int) -> Decimal | None:
    """The target of `year`, or of the latest earlier year that has one (targets stay once reached)."""
    row = CoverageTarget.objects.filter(year__lte=year).order_by("-year").first()
    return row.share if row else None


@dataclass(frozen=True)
class CoverageFigures:
    year: int
    on_day: date
    required: int  # above-size enterprises with a union
    covered: int  # … of which have an open station at `on_day`
    target: Decimal | None

    @property
    def share(self) -> Decimal | None:
        if not self.required:
            return None
        return (Decimal(self.covered) * 100 / self.required).quantize(CENT, ROUND_HALF_UP)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.share is None:
            return None
        return self.share >= self.target


def coverage_figures(year: int) -> CoverageFigures:
    """D-ST2: the share of above-size enterprises with a union that have a station, at the end of `year` (or
    today, for the current year), against the year's target."""
    today = timezone.localdate()
    on_day = min(date(year, 12, 31), today) if year >= today.year else date(year, 12, 31)
    enterprises = Unit.objects.filter(kind=Unit.Kind.ENTERPRISE, has_union=True, above_designated_size=True)
    covered = enterprises.filter(pk__in=Station.objects.filter(open_on(on_day)).values("unit_id")).count()
    return CoverageFigures(year, on_day, enterprises.count(), covered, target_for(year))


# ---------------------------------------------------------------------------------------------- reception
@transaction.atomic
def register_visit(actor, tenant, *, station: Station, visitor_name, category, request, visited_at=None, **extra):
    """Stage 1 of the four haves: the visit is registered."""
    require(actor, tenant, StationsPerm.REGISTER_VISITS)
    access_station(actor, tenant, station.pk)
    dossier_id = extra.get("dossier_id")
    # The dossiers app, a layer above, checks that the actor may see the dossier (it raises ValidationError).
    core_signals.visit_registering.send(ReceptionRecord, tenant=tenant, actor=actor, dossier_id=dossier_id)
    record = ReceptionRecord(
        station=station,
        visitor_name=(visitor_name or "").strip(),
        category=category,
        request=(request or "").strip(),
        visited_at=visited_at or timezone.now(),
        visitor_phone=extra.get("visitor_phone", ""),
        employer=extra.get("employer"),
        dossier_id=dossier_id,
        registered_by=actor,
    )
    record.full_clean()
    record.save()
    return record


def _advance(actor, tenant, record_id, expected: str, required: dict[str, str], changes: dict):
    require(actor, tenant, StationsPerm.REGISTER_VISITS)
    record = access_reception(actor, tenant, record_id, for_update=True)
    if record.stage != expected:
        raise ValidationError(
            {
                "stage": _("This record is “%(stage)s”; it must be “%(expected)s” first.")
                % {"stage": record.get_stage_display(), "expected": ReceptionRecord.Stage(expected).label}
            }
        )
    errors = {field: [_("This field is required.")] for field, value in required.items() if not (value or "").strip()}
    if errors:
        raise ValidationError(errors)
    for field, value in {**required, **changes}.items():
        setattr(record, field, value.strip() if isinstance(value, str) else value)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def archive_visit(actor, tenant, record_id, *, archive_ref: str) -> ReceptionRecord:
    """Stage 2: archived for reference (档案备查)."""
    return _advance(
        actor,
        tenant,
        record_id,
        ReceptionRecord.Stage.REGISTERED,
        {"archive_ref": archive_ref},
        {"stage": ReceptionRecord.Stage.ARCHIVED, "archived_by": actor, "archived_at": timezone.now()},
    )


@transaction.atomic
def handle_visit(actor, tenant, record_id, *, action_taken: str, handler_name: str = "", referred_to: str = ""):
    """Stage 3: delivered / handled (送达办理), with any referral."""
    return _advance(
        actor,
        tenant,
        record_id,
        ReceptionRecord.Stage.ARCHIVED,
        {"action_taken": action_taken},
        {
            "handler_name": handler_name or actor.get_full_name() or actor.get_username(),
            "referred_to": referred_to,
            "stage": ReceptionRecord.Stage.HANDLED,
            "handled_by": actor,
            "handled_at": timezone.now(),
        },
    )


@transaction.atomic
def close_visit(actor, tenant, record_id, *, completion_report: str) -> ReceptionRecord:
    """Stage 4: closed with its completion report (办结报告)."""
    return _advance(
        actor,
        tenant,
        record_id,
        ReceptionRecord.Stage.HANDLED,
        {"completion_report": completion_report},
        {"stage": ReceptionRecord.Stage.CLOSED, "closed_by": actor, "closed_at": timezone.now()},
    )


# ------------------------------------------------------------------------------------------------- funds
def parse_amount(value, field: str = "amount") -> Decimal:
    """A positive amount of money with at most two decimals (exact: Decimal, never float)."""
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter an amount such as 1200.50.")]}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: [_("The amount must be greater than zero.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("At most two decimal places (yuan and fen).")]})
    if amount >= Decimal("1e12"):
        raise ValidationError({field: [_("The amount is too large.")]})
    return amount


@transaction.atomic
def open_account(actor, tenant, *, name: str, station: Station | None = None) -> FundAccount:
    require(actor, tenant, StationsPerm.BOOK_FUNDS)
    if station is not None:
        access_station(actor, tenant, station.pk)
        if FundAccount.objects.filter(station=station).exists():
            raise ValidationError({"station": _("This station already has a fund account.")})
    elif membership_for(actor, tenant).role != Role.TENANT_ADMIN:
        raise ValidationError({"station": _("Only the tenant administrator opens the union's own account.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    if station is None and FundAccount.objects.filter(station__isnull=True, name=name.strip()).exists():
        raise ValidationError({"name": _("An account with this name exists.")})
    return FundAccount.objects.create(name=name.strip(), station=station)


def _book(account: FundAccount, actor, delta: Decimal, **fields) -> FundEntry:
    """Append an entry and move the balance; the caller holds the account row lock."""
    new_balance = account.balance + delta
    if new_balance < 0:
        raise ValidationError(
            {"amount": _("Not enough money in the account: the balance is %(balance)s.") % {"balance": account.balance}}
        )
    account.balance = new_balance
    account.save(update_fields=["balance"])
    entry = FundEntry(account=account, amount=delta, balance_after=new_balance, created_by=actor, **fields)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def book_income(actor, tenant, account_id, *, amount, source: str, donor: str = "", note: str = "", booked_on=None):
    require(actor, tenant, StationsPerm.BOOK_FUNDS)
    amount = parse_amount(amount)
    if source not in FundEntry.Source.values:
        raise ValidationError({"source": _("Choose the source of the income.")})
    if source in (FundEntry.Source.NAMED_DONATION, FundEntry.Source.PAIRED_DONATION) and not donor.strip():
        raise ValidationError({"donor": _("Name the donor of a named or paired donation.")})
    account = access_account(actor, tenant, account_id, for_update=True)
    return _book(
        account,
        actor,
        amount,
        kind=FundEntry.Kind.INCOME,
        source=source,
        donor=donor.strip(),
        note=note.strip(),
        booked_on=booked_on or timezone.localdate(),
    )


@transaction.atomic
def book_expenditure(actor, tenant, account_id, *, amount, purpose: str, approver: str, note: str = "", booked_on=None):
    """Spend from an account. The account row is locked for the transaction, so concurrent expenditures are
    serialised and the balance can never go below zero."""
    require(actor, tenant, StationsPerm.BOOK_FUNDS)
    amount = parse_amount(amount)
    errors = {
        field: [_("This field is required.")]
        for field, value in (("purpose", purpose), ("approver", approver))
        if not (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    account = access_account(actor, tenant, account_id, for_update=True)
    return _book(
        account,
        actor,
        -amount,
        kind=FundEntry.Kind.EXPENDITURE,
        purpose=purpose.strip(),
        approver=approver.strip(),
        note=note.strip(),
        booked_on=booked_on or timezone.localdate(),
    )


@transaction.atomic
def reverse_entry(actor, tenant, entry_id, *, note: str) -> FundEntry:
    """Correct a mistaken entry with a new one of the opposite amount (entries are never changed or deleted)."""
    require(actor, tenant, StationsPerm.BOOK_FUNDS)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the entry is reversed.")})
    try:
        original = FundEntry.objects.filter(account__in=visible_accounts(actor, tenant)).get(pk=entry_id)
    except (FundEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if original.kind == FundEntry.Kind.REVERSAL or FundEntry.objects.filter(reverses=original).exists():
        raise ValidationError({"entry": _("This entry is a reversal or has already been reversed.")})
    account = FundAccount.objects.select_for_update().get(pk=original.account_id)
    return _book(
        account,
        actor,
        -original.amount,
        kind=FundEntry.Kind.REVERSAL,
        reverses=original,
        source=original.source,
        purpose=original.purpose,
        approver=original.approver,
        note=note.strip(),
    )
