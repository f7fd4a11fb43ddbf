"""Domain acts on hardship-worker dossiers.

Data flow
---------
``file_dossier`` takes plain input (household facts, members with their resident ID numbers, consents), validates
every ID number (``core.pii.parse_resident_id``), refuses health and disability data without a recorded consent,
encrypts each number with the tenant's key, stores its keyed hash and masked form, computes eligibility
(``assess``) and records the first transition — all in one transaction. Later changes go through
``update_dossier`` (drafts and returned dossiers only) and ``transition`` (the lifecycle, each step by a permitted
role with a reason). A full ID number leaves the database only through ``reveal_id_number``, which checks the
permission and writes the audit row in the same transaction.

Eligibility: per-capita income = the household's monthly income / its size, compared with the tenant's
minimum-living standard (低保) of the year. At or below the standard: deep hardship; up to 1.5 × the standard (the
national "低保边缘" line): relative hardship; above that, a household hit by an accident, disaster or serious
illness (main or secondary cause, with what happened) is in hardship by accident; otherwise not eligible. The
reasons are stored as codes with their figures and rendered in the reader's language.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import signals as core_signals
from core.access import has_permission, require
from core.people.services import persons_by_index
from core.pii import blind_index, decrypt, encrypt, mask_resident_id, parse_resident_id
from core.scope import limit as limit_to_units
from core.scope import units_for
from dossiers.models import (
    Assistance,
    Consent,
    Dossier,
    DossierTransition,
    HouseholdMember,
    IdNumberView,
    LivingStandard,
    Pairing,
    PairingVisit,
    ReviewCampaign,
    ReviewTask,
)
from dossiers.permissions import DossiersPerm

CENT = Decimal("0.01")
RELATIVE_FACTOR = Decimal("1.5")
S = Dossier.Status

# Who may move a dossier from one status to another (D-DO1): (from, to) → permission.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): DossiersPerm.EDIT,
    (S.SUBMITTED, S.DRAFT): DossiersPerm.REVIEW,  # returned for correction
    (S.SUBMITTED, S.REVIEWED): DossiersPerm.REVIEW,
    (S.REVIEWED, S.FILED): DossiersPerm.FILE,
    (S.REVIEWED, S.DRAFT): DossiersPerm.FILE,
    (S.FILED, S.LIFTED): DossiersPerm.REVIEW,
    (S.FILED, S.CANCELLED): DossiersPerm.FILE,
    (S.DRAFT, S.CANCELLED): DossiersPerm.FILE,
    (S.SUBMITTED, S.CANCELLED): DossiersPerm.FILE,
    (S.REVIEWED, S.CANCELLED): DossiersPerm.FILE,
}
EDITABLE = (S.DRAFT,)
SENSITIVE = {"health": Consent.Category.HEALTH, "disability_grade": Consent.Category.DISABILITY}

REASON_TEXT = {
    "no_standard": gettext_lazy("No minimum-living standard is set for %(year)s."),
    "no_members": gettext_lazy("The household has no members."),
    "per_capita": gettext_lazy(
        "Per-capita income %(per_capita)s a month (household %(income)s / %(size)s people); the standard of "
        "%(year)s is %(standard)s."
    ),
    "deep": gettext_lazy("At or below the minimum-living standard: deep hardship."),
    "relative": gettext_lazy("Above the standard but at most 1.5 times it (%(limit)s): relative hardship."),
    "accidental": gettext_lazy("Above 1.5 times the standard, but hit by %(cause)s: hardship by accident."),
    "none": gettext_lazy("Above 1.5 times the standard (%(limit)s) and no sudden cause: not eligible."),
}


def reason_texts(dossier: Dossier) -> list[str]:
    """The stored eligibility reasons in the reader's language."""
    return [str(REASON_TEXT[r["code"]]) % r.get("params", {}) for r in dossier.eligibility_reasons]


def scope() -> str:
    """The encryption scope: the schema the connection is set to (the tenant's)."""
    return connection.schema_name


# ------------------------------------------------------------------------------------------------ access
def visible_dossiers(user, tenant):
    require(user, tenant, DossiersPerm.VIEW)
    # A scoped member sees the dossiers of workers employed in, or received by a station of, her units.
    return limit_to_units(Dossier.objects.all(), user, tenant, "employer", "station__unit")


def access_dossier(user, tenant, dossier_id, *, for_update=False) -> Dossier:
    dossiers = visible_dossiers(user, tenant)
    try:
        dossier = dossiers.get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if for_update:
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    return dossier


# -------------------------------------------------------------------------------------------- eligibility
def standard_for(year: int) -> LivingStandard | None:
    return LivingStandard.objects.filter(year__lte=year).order_by("-year").first()


def assess(dossier: Dossier, members: list[HouseholdMember] | None = None, year: int | None = None) -> Dossier:
    """Compute income, tier and reasons on `dossier` (not saved)."""
    members = list(dossier.members.all()) if members is None else members
    year = year or timezone.localdate().year
    size = len(members)
    income = sum((m.monthly_income for m in members), Decimal("0"))
    dossier.household_size = size
    dossier.monthly_household_income = income
    dossier.per_capita_income = (income / size).quantize(CENT, ROUND_HALF_UP) if size else Decimal("0")
    standard = standard_for(year)
    reasons: list[dict] = []
    tier = Dossier.Tier.NONE
    if not size:
        reasons.append({"code": "no_members"})
    elif standard is None:
        reasons.append({"code": "no_standard", "params": {"year": year}})
    else:
        amount = standard.monthly_per_capita
        limit = (amount * RELATIVE_FACTOR).quantize(CENT, ROUND_HALF_UP)
        reasons.append(
            {
                "code": "per_capita",
                "params": {
                    "per_capita": str(dossier.per_capita_income),
                    "income": str(income),
                    "size": size,
                    "year": standard.year,
                    "standard": str(amount),
                },
            }
        )
        causes = {dossier.main_cause, *dossier.secondary_causes}
        sudden = causes & {Dossier.Cause.ACCIDENT, Dossier.Cause.ILLNESS}
        if dossier.per_capita_income <= amount:
            tier = Dossier.Tier.DEEP
            reasons.append({"code": "deep"})
        elif dossier.per_capita_income <= limit:
            tier = Dossier.Tier.RELATIVE
            reasons.append({"code": "relative", "params": {"limit": str(limit)}})
        elif sudden and dossier.accident_note:
            tier = Dossier.Tier.ACCIDENTAL
            reasons.append({"code": "accidental", "params": {"cause": dossier.accident_note}})
        else:
            reasons.append({"code": "none", "params": {"limit": str(limit)}})
        dossier.standard_year, dossier.standard_amount = standard.year, amount
    if standard is None:
        dossier.standard_year = dossier.standard_amount = None
    dossier.tier = tier
    dossier.eligibility_reasons = reasons
    return dossier


@transaction.atomic
def set_living_standard(actor, tenant, *, year: int, monthly_per_capita) -> int:
    """Set the year's minimum-living standard and recompute every live dossier. Returns how many changed tier."""
    require(actor, tenant, DossiersPerm.FILE)
    standard = LivingStandard.objects.filter(year=year).first() or LivingStandard(year=year)
    standard.monthly_per_capita = monthly_per_capita
    standard.full_clean()
    standard.save()
    changed = 0
    live = Dossier.objects.filter(status__in=Dossier.LIVE_STATUSES).prefetch_related("members")
    batch = []
    for dossier in live:
        before = dossier.tier
        assess(dossier)
        changed += dossier.tier != before
        batch.append(dossier)
    fields = ["household_size", "monthly_household_income", "per_capita_income", "standard_year"]
    fields += ["standard_amount", "tier", "eligibility_reasons"]
    Dossier.objects.bulk_update(batch, fields, batch_size=500)
    return changed


# ------------------------------------------------------------------------------------------------ filing
DOSSIER_FIELDS = (
    "employer",
    "station",
    "model_worker",
    "housing",
    "housing_area",
    "medical_insurance",
    "zero_employment",
    "main_cause",
    "secondary_causes",
    "accident_note",
    "bank_name",
)
MEMBER_FIELDS = ("relation", "name", "phone", "monthly_income", "employed", "schooling", "health", "disability_grade")


def _build_members(dossier: Dossier, members: list[dict], consented: set[str]) -> list[HouseholdMember]:
    """Validate and build the household. A row may name a stored member (``member_id``) instead of giving the ID
    number again: the stored encrypted number is kept (pages never send a full number back to the browser)."""
    errors: dict[str, list] = {}
    built: list[HouseholdMember] = []
    seen: dict[str, int] = {}
    stored = {m.pk: m for m in dossier.members.all()} if dossier.pk else {}
    for index, data in enumerate(members):
        prefix = f"members.{index}"
        keep = stored.get(data.get("member_id")) if data.get("member_id") and not data.get("id_number") else None
        if data.get("member_id") and not data.get("id_number") and keep is None:
            errors[f"{prefix}.id_number"] = [_("Give the resident ID number.")]
            continue
        if keep is not None:
            identity = keep.id_index
        else:
            try:
                parsed = parse_resident_id(data.get("id_number", ""))
            except ValidationError as exc:
                errors[f"{prefix}.id_number"] = exc.messages
                continue
            identity = blind_index(parsed.number)
        if identity in seen:
            errors[f"{prefix}.id_number"] = [
                _("This person is already in the household (member %(n)s).") % {"n": seen[identity] + 1}
            ]
            continue
        seen[identity] = index
        member = HouseholdMember(dossier=dossier, **{f: data[f] for f in MEMBER_FIELDS if f in data})
        for field, category in SENSITIVE.items():
            if getattr(member, field) not in (None, "") and category not in consented:
                errors[f"{prefix}.{field}"] = [_("Record the household's consent before saving this.")]
        if keep is not None:
            member.id_number_encrypted, member.id_index = keep.id_number_encrypted, keep.id_index
            member.id_masked, member.birth_date, member.sex = keep.id_masked, keep.birth_date, keep.sex
        else:
            member.id_number_encrypted = encrypt(parsed.number, scope())
            member.id_index = identity
            member.id_masked = mask_resident_id(parsed.number)
            member.birth_date, member.sex = parsed.birth_date, parsed.sex
        try:
            member.full_clean(exclude=["dossier"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{prefix}.{field}"] = messages
        built.append(member)
    applicants = [m for m in built if m.relation == HouseholdMember.Relation.APPLICANT]
    if len(applicants) != 1 and not errors:
        errors["members"] = [_("A household has exactly one applicant.")]
    if errors:
        raise ValidationError(errors)
    return built


# ------------------------------------------------------------------------------------ one live dossier a person
ONE_LIVE_PER_APPLICANT = "dossier_one_live_per_applicant"  # the partial unique index on Dossier.applicant_index


def live_dossier_of_applicant(id_index: str, *, exclude=None) -> int | None:
    """The id of this union's live dossier whose applicant has this blind index, if any."""
    if not id_index:
        return None
    found = Dossier.objects.filter(applicant_index=id_index, status__in=Dossier.LIVE_STATUSES)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("pk").values_list("pk", flat=True).first()


def _applicant_taken(position: int, other) -> ValidationError:
    return ValidationError(
        {
            f"members.{position}.id_number": [
                _(
                    "This person is already the applicant of live dossier #%(id)s of this union (one live dossier per "
                    "person): open that dossier, or lift or cancel it first."
                )
                % {"id": other}
            ]
        }
    )


def _is_constraint(exc: IntegrityError, name: str) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == name


def link_persons(tenant, dossier: Dossier, built: list[HouseholdMember]) -> None:
    """Point each member at the union's one record of that person (core.people), made on first sight; the
    applicant's record learns the employer."""
    numbers = [decrypt(m.id_number_encrypted, scope()) for m in built]
    persons = persons_by_index(tenant, [(m.name, n, m.phone) for m, n in zip(built, numbers, strict=True)])
    for member in built:
        member.person = persons.get(member.id_index)
        is_applicant = member.relation == HouseholdMember.Relation.APPLICANT
        if is_applicant and member.person and dossier.employer_id and member.person.unit_id is None:
            member.person.unit_id = dossier.employer_id
            member.person.save(update_fields=["unit"])


def _claim_applicant(dossier: Dossier, built: list[HouseholdMember]) -> None:
    """Save the dossier with its applicant's blind index, refusing a second live dossier of the same person: first
    by asking (the usual case, with the existing dossier named), then by the unique index, which decides between
    two requests filing the same person at once (the later one waits for the first to commit, then fails here)."""
    position, applicant = next((i, m) for i, m in enumerate(built) if m.relation == HouseholdMember.Relation.APPLICANT)
    other = live_dossier_of_applicant(applicant.id_index, exclude=dossier.pk)
    if other is not None:
        raise _applicant_taken(position, other)
    dossier.applicant_index = applicant.id_index
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError as exc:
        if not _is_constraint(exc, ONE_LIVE_PER_APPLICANT):
            raise
        other = live_dossier_of_applicant(applicant.id_index, exclude=dossier.pk)
        raise _applicant_taken(position, other if other is not None else "?") from None


def household_also_in(dossier: Dossier) -> list[dict]:
    """Members of this dossier who also belong to another live dossier of the union (as applicant or member): a
    warning, not a refusal — a grown child may be in the parents' household and head one of their own, but it is
    often the same household filed twice. Only ids: ``{"member": id, "name": ..., "dossier": other id}``."""
    if not dossier.is_live:
        return []
    mine = {m.id_index: m for m in dossier.members.all()}
    rows = (
        HouseholdMember.objects.filter(id_index__in=list(mine), dossier__status__in=Dossier.LIVE_STATUSES)
        .exclude(dossier_id=dossier.pk)
        .order_by("dossier_id")
        .values_list("id_index", "dossier_id")
    )
    return [{"member": mine[h].pk, "name": mine[h].name, "dossier": other} for h, other in rows]


def _check_scope(actor, tenant, dossier: Dossier) -> dict:
    """A user limited to a unit files dossiers only for that unit's employers and stations."""
    from stations.services import visible_stations, visible_units

    errors: dict[str, list] = {}
    if dossier.employer_id and not visible_units(actor, tenant).filter(pk=dossier.employer_id).exists():
        errors["employer"] = [_("Choose a unit you work for.")]
    if dossier.station_id and not visible_stations(actor, tenant).filter(pk=dossier.station_id).exists():
        errors["station"] = [_("Choose a station you work at.")]
    scoped = units_for(actor, tenant) is not None
    if scoped and not (dossier.employer_id or dossier.station_id) and not errors:
        errors["employer"] = [_("Give the employer or the station: your work is limited to one unit.")]
    return errors


def _apply_fields(actor, tenant, dossier: Dossier, data: dict) -> None:
    for field in DOSSIER_FIELDS:
        if field in data:
            setattr(dossier, field, data[field])
    secondary = list(dict.fromkeys(dossier.secondary_causes or []))
    errors = {}
    if dossier.main_cause in secondary:
        errors["secondary_causes"] = [_("The main cause cannot also be a secondary cause.")]
    if len(secondary) > 3:
        errors["secondary_causes"] = [_("At most three secondary causes.")]
    dossier.secondary_causes = secondary
    errors.update(_check_scope(actor, tenant, dossier))
    if "bank_account" in data:
        account = (data["bank_account"] or "").replace(" ", "")
        if account and not (account.isdigit() and 8 <= len(account) <= 30):
            errors["bank_account"] = [_("A bank account number has 8 to 30 digits.")]
        dossier.bank_account_encrypted = encrypt(account, scope())
        dossier.bank_account_last4 = account[-4:]
    try:
        dossier.full_clean(exclude=["filed_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _record_consents(actor, dossier: Dossier, consents: list[dict]) -> set[str]:
    for data in consents:
        category = data.get("category")
        if category not in Consent.Category.values:
            raise ValidationError({"consents": [_("Unknown consent category.")]})
        if not (data.get("given_by") or "").strip() or not (data.get("evidence") or "").strip():
            raise ValidationError({"consents": [_("Say who gave the consent and where it is recorded.")]})
        Consent.objects.update_or_create(
            dossier=dossier,
            category=category,
            defaults={"given_by": data["given_by"].strip(), "evidence": data["evidence"].strip(), "recorded_by": actor},
        )
    return set(dossier.consents.values_list("category", flat=True))


def _log(dossier: Dossier, actor, to_status: str, reason: str, from_status: str = "") -> None:
    DossierTransition.objects.create(
        dossier=dossier, from_status=from_status, to_status=to_status, reason=reason, by=actor
    )


@transaction.atomic
def file_dossier(actor, tenant, *, data: dict, members: list[dict], consents: list[dict] | None = None) -> Dossier:
    """Open a household's dossier as a draft (建档)."""
    require(actor, tenant, DossiersPerm.EDIT)
    dossier = Dossier(filed_by=actor)
    _apply_fields(actor, tenant, dossier, data)
    dossier.save()
    consented = _record_consents(actor, dossier, consents) if consents else set()
    built = _build_members(dossier, members, consented)
    link_persons(tenant, dossier, built)
    HouseholdMember.objects.bulk_create(built)
    assess(dossier, built)
    _claim_applicant(dossier, built)
    _log(dossier, actor, S.DRAFT, _("Dossier opened."))
    core_signals.dossier_changed.send(Dossier, tenant=tenant, dossier=dossier, new=True)
    return dossier


@transaction.atomic
def update_dossier(actor, tenant, dossier_id, *, data: dict, members: list[dict] | None = None, consents=None):
    """Change a draft; `members`, when given, replaces the household."""
    require(actor, tenant, DossiersPerm.EDIT)
    dossier = access_dossier(actor, tenant, dossier_id, for_update=True)
    if dossier.status not in EDITABLE:
        raise ValidationError({"status": _("Only a draft can be changed; ask for it to be returned.")})
    _apply_fields(actor, tenant, dossier, data)
    consented = _record_consents(actor, dossier, consents or [])
    if members is not None:
        built = _build_members(dossier, members, consented)
        link_persons(tenant, dossier, built)
        dossier.members.all().delete()
        HouseholdMember.objects.bulk_create(built)
        core_signals.dossier_changed.send(Dossier, tenant=tenant, dossier=dossier, new=False)
    assess(dossier)
    if members is not None:
        _claim_applicant(dossier, built)  # the applicant may have changed
    else:
        dossier.save()
    return dossier


# The platform's signals each step sends (``core.signals``): other apps follow a dossier's life through them.
LIFECYCLE_EVENTS = {
    S.FILED: core_signals.dossier_filed,
    S.LIFTED: core_signals.dossier_lifted,
    S.CANCELLED: core_signals.dossier_cancelled,
}


@transaction.atomic
def transition(actor, tenant, dossier_id, *, to_status: str, reason: str) -> Dossier:
    """Move a dossier along its lifecycle; the permission depends on the step (TRANSITIONS)."""
    dossier = access_dossier(actor, tenant, dossier_id, for_update=True)
    perm = TRANSITIONS.get((dossier.status, to_status))
    if perm is None:
        raise ValidationError(
            {
                "to_status": _("A dossier that is “%(from)s” cannot become “%(to)s”.")
                % {
                    "from": dossier.get_status_display(),
                    "to": S(to_status).label if to_status in S.values else to_status,
                }
            }
        )
    if not has_permission(actor, tenant, perm):
        raise PermissionDenied(_("Your role may not take this step."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for this step.")})
    if to_status == S.SUBMITTED and dossier.tier == Dossier.Tier.NONE:
        raise ValidationError({"to_status": _("This household does not qualify: see the eligibility reasons.")})
    before = dossier.status
    dossier.status = to_status
    if to_status == S.REVIEWED:
        dossier.reviewed_by = actor
    dossier.save(update_fields=["status", "reviewed_by", "updated_at"])
    _log(dossier, actor, to_status, reason.strip(), before)
    if dossier.is_live != (before in Dossier.LIVE_STATUSES):
        # Lifted or cancelled: no longer counts as a live dossier elsewhere (the exchange's index follows).
        core_signals.dossier_changed.send(Dossier, tenant=tenant, dossier=dossier, new=False)
    event = LIFECYCLE_EVENTS.get(to_status)
    if event is not None:
        event.send(Dossier, tenant=tenant, dossier=dossier, actor=actor)
    return dossier


# ------------------------------------------------------------------------------------------ personal data
@transaction.atomic
def reveal_id_numbers(actor, tenant, member_ids, *, channel: str) -> dict[int, str]:
    """Full ID numbers of household members, for a role that may see them: one audit row per member, written in
    the same transaction as the numbers are read. Members the actor cannot see are left out."""
    require(actor, tenant, DossiersPerm.VIEW_ID_NUMBER)
    members = list(HouseholdMember.objects.filter(pk__in=member_ids, dossier__in=visible_dossiers(actor, tenant)))
    IdNumberView.objects.bulk_create(
        [
            IdNumberView(
                member_id=m.pk, dossier_id=m.dossier_id, viewer=actor, viewer_username=actor.get_username(),
                channel=channel,
            )
            for m in members
        ]
    )  # fmt: skip
    return {m.pk: decrypt(m.id_number_encrypted, scope()) for m in members}


def reveal_id_number(actor, tenant, member_id, *, channel: str = "page") -> str:
    """The full ID number of one household member (audited); 404 when missing or not the actor's to see."""
    try:
        member_id = int(member_id)
    except (TypeError, ValueError):
        raise Http404 from None
    numbers = reveal_id_numbers(actor, tenant, [member_id], channel=channel)
    if member_id not in numbers:
        raise Http404
    return numbers[member_id]


def find_by_id_number(actor, tenant, id_number: str):
    """Dossiers of this tenant in which the person appears (by the keyed hash; the number is never stored)."""
    dossiers = visible_dossiers(actor, tenant)
    parsed = parse_resident_id(id_number)
    return dossiers.filter(members__id_index=blind_index(parsed.number)).distinct()


# --------------------------------------------------------------------------------------------- assistance
@transaction.atomic
def record_assistance(
    actor, tenant, dossier_id, *, kind: str, amount=Decimal("0"), given_on=None, programme: str = "", note="",
    fund_account_id=None, approver: str = "",
) -> Assistance:  # fmt: skip
    """Record help given to a filed household. Paid from a station fund, it books the expenditure in the ledger in
    the same transaction (both or neither)."""
    from stations import services as stations

    require(actor, tenant, DossiersPerm.RECORD_ASSISTANCE)
    dossier = access_dossier(actor, tenant, dossier_id, for_update=True)
    if dossier.status != S.FILED:
        raise ValidationError({"dossier": _("Only filed dossiers receive assistance.")})
    if kind not in Assistance.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of assistance.")})
    try:
        in_kind = not fund_account_id and Decimal(str(amount or 0).strip()) == 0
    except ArithmeticError:
        in_kind = False  # parse_amount reports it
    amount = Decimal("0") if in_kind else stations.parse_amount(amount)  # help in kind has no amount
    assistance = Assistance(
        dossier=dossier,
        kind=kind,
        amount=amount,
        given_on=given_on or timezone.localdate(),
        programme=(programme or "").strip(),
        note=(note or "").strip(),
        recorded_by=actor,
    )
    if fund_account_id:
        entry = stations.book_expenditure(
            actor,
            tenant,
            fund_account_id,
            amount=amount,
            purpose=_("Assistance: %(kind)s (dossier %(id)s)")
            % {"kind": assistance.get_kind_display(), "id": dossier.pk},
            approver=approver,
            note=assistance.programme,
            booked_on=assistance.given_on,
        )
        assistance.fund_account_id, assistance.fund_entry = entry.account_id, entry
    assistance.full_clean()
    assistance.save()
    return assistance


def assistance_continuity(dossier: Dossier, months: int = 24) -> dict:
    """How steadily a long-term case has been helped: the months (of the last `months`) with assistance, the
    longest run of consecutive months, first and last dates and the total paid."""
    today = timezone.localdate()
    start = (today.year * 12 + today.month - 1) - (months - 1)
    rows = list(dossier.assistance.values_list("given_on", "amount"))
    helped = {d.year * 12 + d.month - 1 for d, _a in rows if d.year * 12 + d.month - 1 >= start}
    longest = run = 0
    for month in range(start, start + months):
        run = run + 1 if month in helped else 0
        longest = max(longest, run)
    return {
        "months": months,
        "months_helped": len(helped),
        "longest_run": longest,
        "first": min((d for d, _a in rows), default=None),
        "last": max((d for d, _a in rows), default=None),
        "total": sum((a for _d, a in rows), Decimal("0")),
        "times": len(rows),
    }


# ---------------------------------------------------------------------------------------------- pairing
@transaction.atomic
def pair_cadre(actor, tenant, dossier_id, *, cadre_name: str, cadre_position: str = "", since=None) -> Pairing:
    """Link a leading cadre to a household (结对帮扶)."""
    require(actor, tenant, DossiersPerm.RECORD_ASSISTANCE)
    dossier = access_dossier(actor, tenant, dossier_id)
    if dossier.status != S.FILED:
        raise ValidationError({"dossier": _("Only filed dossiers can be paired with a cadre.")})
    pairing = Pairing(
        dossier=dossier,
        cadre_name=(cadre_name or "").strip(),
        cadre_position=(cadre_position or "").strip(),
        since=since or timezone.localdate(),
    )
    pairing.full_clean()
    pairing.save()
    return pairing


def _access_pairing(actor, tenant, pairing_id) -> Pairing:
    try:
        return Pairing.objects.select_for_update().get(pk=pairing_id, dossier__in=visible_dossiers(actor, tenant))
    except (Pairing.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def end_pairing(actor, tenant, pairing_id, *, until=None) -> Pairing:
    require(actor, tenant, DossiersPerm.RECORD_ASSISTANCE)
    pairing = _access_pairing(actor, tenant, pairing_id)
    until = until or timezone.localdate()
    if pairing.until is not None:
        raise ValidationError({"until": _("This pairing has ended already.")})
    if until < pairing.since:
        raise ValidationError({"until": _("A pairing cannot end before it began.")})
    pairing.until = until
    pairing.save(update_fields=["until"])
    return pairing


@transaction.atomic
def log_pairing_visit(actor, tenant, pairing_id, *, visited_on, note: str) -> PairingVisit:
    """Record a cadre's visit to the paired household."""
    require(actor, tenant, DossiersPerm.RECORD_ASSISTANCE)
    pairing = _access_pairing(actor, tenant, pairing_id)
    if visited_on < pairing.since or (pairing.until and visited_on > pairing.until):
        raise ValidationError({"visited_on": _("The visit falls outside the pairing.")})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    visit = PairingVisit(pairing=pairing, visited_on=visited_on, note=(note or "").strip(), recorded_by=actor)
    visit.full_clean()
    visit.save()
    return visit


# ----------------------------------------------------------------------------------------- annual review
def _sample(dossier_ids: list[int], share: Decimal, seed: str) -> set[int]:
    """A reproducible spot-check sample of at least `share` percent (rounded up)."""
    if not dossier_ids:
        return set()
    size = math.ceil(len(dossier_ids) * share / 100)
    ordered = sorted(dossier_ids)
    random.Random(seed).shuffle(ordered)  # noqa: S311  (reproducible on purpose, not a secret)
    return set(ordered[:size])


@transaction.atomic
def start_annual_review(actor, tenant, *, year: int, sample_share=Decimal("30")) -> ReviewCampaign:
    """Create the year's campaign (or continue it): a task for every filed dossier that has none, the spot-check
    sample drawn reproducibly over all of them, and the flags. Running it twice creates nothing twice."""
    require(actor, tenant, DossiersPerm.FILE)
    campaign = ReviewCampaign(year=year, sample_share=Decimal(str(sample_share)), started_by=actor)
    campaign.full_clean(validate_unique=False)
    # Concurrent first requests for a year: one inserts, the other finds it (no error, nothing twice).
    campaign, _created = ReviewCampaign.objects.get_or_create(
        year=year, defaults={"sample_share": campaign.sample_share, "started_by": actor}
    )
    campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign.pk)
    filed = list(Dossier.objects.filter(status=S.FILED).values_list("pk", "updated_at"))
    have = set(campaign.tasks.values_list("dossier_id", flat=True))
    sample = _sample([pk for pk, _at in filed], campaign.sample_share, f"{tenant.schema_name}:{year}")
    assisted = set(Assistance.objects.values_list("dossier_id", flat=True).distinct())
    year_ago = timezone.now() - timedelta(days=365)
    ReviewTask.objects.bulk_create(
        [
            ReviewTask(
                campaign=campaign,
                dossier_id=pk,
                in_sample=pk in sample,
                unchanged_for_a_year=updated_at < year_ago,
                never_assisted=pk not in assisted,
            )
            for pk, updated_at in filed
            if pk not in have
        ]
    )
    return campaign


@transaction.atomic
def decide_review(actor, tenant, task_id, *, outcome: str, evidence: str) -> ReviewTask:
    """Record a review task's outcome; "lift" and "cancel" also move the dossier (so "cancel" needs the
    permission to cancel, DOSSIERS_FILE, besides DOSSIERS_REVIEW)."""
    require(actor, tenant, DossiersPerm.REVIEW)
    try:
        task = ReviewTask.objects.select_for_update().get(pk=task_id, dossier__in=visible_dossiers(actor, tenant))
    except (ReviewTask.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if outcome not in ReviewTask.Outcome.values or not outcome:
        raise ValidationError({"outcome": _("Choose keep, supplement, lift or cancel.")})
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _("Record the evidence for the outcome.")})
    if task.outcome:
        raise ValidationError({"outcome": _("This task is decided already.")})
    target = {ReviewTask.Outcome.LIFT: S.LIFTED, ReviewTask.Outcome.CANCEL: S.CANCELLED}.get(outcome)
    if target:
        transition(actor, tenant, task.dossier_id, to_status=target, reason=evidence)
    task.outcome, task.evidence, task.decided_by, task.decided_at = outcome, evidence.strip(), actor, timezone.now()
    task.save()
    return task


def review_progress(campaign: ReviewCampaign, tasks=None) -> dict:
    """Totals of a campaign; pass `tasks` narrowed to what a scoped user may see."""
    tasks = campaign.tasks.all() if tasks is None else tasks
    total = tasks.count()
    decided = tasks.exclude(outcome="").count()
    return {
        "total": total,
        "decided": decided,
        "in_sample": tasks.filter(in_sample=True).count(),
        "unchanged_for_a_year": tasks.filter(unchanged_for_a_year=True).count(),
        "never_assisted": tasks.filter(never_assisted=True).count(),
        "percent": round(decided * 100 / total) if total else 100,
    }
