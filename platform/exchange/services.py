"""Acts between tenants: the duplicate index, referrals to the parent union, transfers of dossiers.

Every function runs in one database transaction; where it must touch two tenants' schemas (a transfer), it
switches the connection between them inside that transaction and always switches back, so the move is all or
nothing. Only the public-schema models of ``exchange.models`` are shared; a tenant reads them filtered to itself.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core import signals as core_signals
from core.access import require
from core.pii import decrypt, encrypt
from core.roles import Perm
from dossiers.permissions import DossiersPerm
from exchange.models import DuplicateFlag, PersonIndex, Referral, Transfer
from tenants.models import Tenant


@contextmanager
def in_tenant(tenant):
    """Run a block in another tenant's schema, then return to the schema we were in."""
    previous = connection.tenant
    connection.set_tenant(tenant)
    try:
        yield
    finally:
        connection.set_tenant(previous)


# Unions that keep hardship dossiers. The municipal union sees aggregates, never a person (D-MU1): no dossier of
# another union may reach it, so it neither receives nor sends transfers, and a referral to it is de-identified.
DOSSIER_KEEPING_KINDS = (Tenant.Kind.COUNTY, Tenant.Kind.ENTERPRISE_GROUP)


def keeps_dossiers(tenant) -> bool:
    return tenant is not None and tenant.kind in DOSSIER_KEEPING_KINDS


def transfer_targets(tenant):
    """The unions a dossier of `tenant` may be transferred to: other active unions that keep dossiers (never the
    municipal union); none at all from a union that does not keep dossiers."""
    if not keeps_dossiers(tenant):
        return Tenant.objects.none()
    return Tenant.objects.filter(is_active=True, kind__in=DOSSIER_KEEPING_KINDS).exclude(pk=tenant.pk)


# ------------------------------------------------------------------------------------------------ duplicates
def index_dossier(tenant, dossier, *, new: bool = False) -> int:
    """Keep the public index of a dossier's members in step with it (live dossiers only) and flag the people who
    also appear in a live dossier of another tenant, on both sides. Returns how many duplicates exist now.
    ``new``: the dossier was just created, so it has no index rows or flags to clear yet."""
    if not new:
        PersonIndex.objects.filter(tenant_id=tenant.pk, dossier_id=dossier.pk).delete()
        DuplicateFlag.objects.filter(tenant_id=tenant.pk, dossier_id=dossier.pk).delete()
        DuplicateFlag.objects.filter(other_tenant_id=tenant.pk, other_dossier_id=dossier.pk).delete()
    if not dossier.is_live:
        return 0
    hashes = sorted(set(dossier.members.values_list("id_index", flat=True)))
    PersonIndex.objects.bulk_create(
        [PersonIndex(tenant_id=tenant.pk, dossier_id=dossier.pk, id_hash=h) for h in hashes]
    )
    matches = (
        PersonIndex.objects.filter(id_hash__in=hashes)
        .exclude(tenant_id=tenant.pk)
        .values_list("tenant_id", "dossier_id")
        .distinct()
    )
    flags = []
    for other_tenant, other_dossier in matches:
        flags.append(DuplicateFlag(tenant_id=tenant.pk, dossier_id=dossier.pk, other_tenant_id=other_tenant,
                                   other_dossier_id=other_dossier))  # fmt: skip
        flags.append(DuplicateFlag(tenant_id=other_tenant, dossier_id=other_dossier, other_tenant_id=tenant.pk,
                                   other_dossier_id=dossier.pk))  # fmt: skip
    DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags) // 2


def duplicate_count(tenant, dossier_id) -> int:
    """How many live dossiers elsewhere share a person with this one — the tenant learns that, never where."""
    return DuplicateFlag.objects.filter(tenant_id=tenant.pk, dossier_id=dossier_id).count()


def duplicates_across_tenants(actor, tenant) -> list[dict]:
    """For the municipal union: which pairs of tenants hold the same people, and how many dossiers."""
    if not tenant.is_municipal:
        raise Http404
    require(actor, tenant, Perm.VIEW_ROLLUPS)
    rows = (
        DuplicateFlag.objects.filter(tenant_id__lt=F("other_tenant_id"))
        .values("tenant__name", "other_tenant__name")
        .annotate(dossiers=Count("id"))
        .order_by("-dossiers")
    )
    return [{"tenant": r["tenant__name"], "other_tenant": r["other_tenant__name"], "dossiers": r["dossiers"]}
            for r in rows]  # fmt: skip


# ------------------------------------------------------------------------------------------------ referrals
IDENTITY_KEYS = ("applicant", "phone", "id_masked")


def _summary(tenant, dossier, to_tenant) -> dict:
    """What the receiving union needs to decide on a case: figures, tier, causes and a case reference; never an ID
    number or a bank account. Who the worker is (name, phone, masked ID) goes only to a union that keeps dossiers
    itself — the tenant's own union, or a county above an enterprise group — which may take the case over and must
    reach the worker (who consented to the referral). The municipal union gets no identity at all: it sees
    aggregates, never personal data (D-MU1), and the sender keeps the identity behind the case reference."""
    paid = dossier.assistance.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    summary = {
        "case": f"{tenant.short_code}-{dossier.pk}",
        "tier": dossier.tier,
        "household_size": dossier.household_size,
        "per_capita_income": str(dossier.per_capita_income),
        "standard": str(dossier.standard_amount or ""),
        "main_cause": dossier.main_cause,
        "secondary_causes": list(dossier.secondary_causes),
        "assistance_so_far": str(paid),
    }
    if keeps_dossiers(to_tenant):
        applicant = dossier.applicant()
        summary["applicant"] = applicant.name if applicant else ""
        summary["phone"] = applicant.phone if applicant else ""
        summary["id_masked"] = applicant.id_masked if applicant else ""
    return summary


@transaction.atomic
def escalate_to_parent(actor, tenant, dossier_id, *, request: str) -> Referral:
    """Ask the next-higher union for help with a case the tenant cannot solve (报上一级工会申请救助)."""
    from dossiers.models import Consent, Dossier
    from dossiers.services import access_dossier

    require(actor, tenant, DossiersPerm.FILE)
    dossier = access_dossier(actor, tenant, dossier_id)
    if tenant.parent_id is None:
        raise ValidationError({"dossier": _("The municipal union has no higher union to refer to.")})
    if dossier.status not in (Dossier.Status.REVIEWED, Dossier.Status.FILED):
        raise ValidationError({"dossier": _("Only reviewed or filed dossiers are referred.")})
    if not dossier.consents.filter(category=Consent.Category.REFERRAL).exists():
        raise ValidationError({"consent": _("Record the worker's consent to pass the case on first.")})
    if not (request or "").strip():
        raise ValidationError({"request": _("Say what help is asked for.")})
    if Referral.objects.filter(from_tenant=tenant, from_dossier_id=dossier.pk, status=Referral.Status.WAITING).exists():
        raise ValidationError({"dossier": _("This case is already waiting at the higher union.")})
    dossier = Dossier.objects.prefetch_related("members").get(pk=dossier.pk)
    return Referral.objects.create(
        from_tenant=tenant,
        to_tenant_id=tenant.parent_id,
        from_dossier_id=dossier.pk,
        summary=_summary(tenant, dossier, tenant.parent),
        request=request.strip(),
        sent_by=actor,
    )


@transaction.atomic
def escalate_to_union(actor, tenant, dossier_id, *, request: str) -> Referral:
    """A unit (station staff) that cannot help passes a case to its own tenant union (企业先行救助，解决不了的上报)."""
    from dossiers.models import Dossier
    from dossiers.services import access_dossier

    require(actor, tenant, DossiersPerm.EDIT)
    dossier = access_dossier(actor, tenant, dossier_id)
    if not dossier.is_live:
        raise ValidationError({"dossier": _("Only live dossiers are passed on.")})
    if not (request or "").strip():
        raise ValidationError({"request": _("Say what help is asked for.")})
    if Referral.objects.filter(from_tenant=tenant, from_dossier_id=dossier.pk, status=Referral.Status.WAITING).exists():
        raise ValidationError({"dossier": _("This case is already waiting for a decision.")})
    dossier = Dossier.objects.prefetch_related("members").get(pk=dossier.pk)
    return Referral.objects.create(
        from_tenant=tenant,
        to_tenant=tenant,
        from_dossier_id=dossier.pk,
        summary=_summary(tenant, dossier, tenant),
        request=request.strip(),
        sent_by=actor,
    )


def referrals_received(actor, tenant):
    require(actor, tenant, DossiersPerm.FILE)
    return Referral.objects.filter(to_tenant=tenant).select_related("from_tenant")


def referrals_sent(actor, tenant, dossier_id=None):
    require(actor, tenant, DossiersPerm.VIEW)
    sent = Referral.objects.filter(from_tenant=tenant).select_related("to_tenant")
    return sent if dossier_id is None else sent.filter(from_dossier_id=dossier_id)


@transaction.atomic
def decide_referral(actor, tenant, referral_id, *, status: str, reason: str = "") -> Referral:
    """The receiving union accepts, declines (with a reason) or returns (with a reason) a waiting referral."""
    require(actor, tenant, DossiersPerm.FILE)
    try:
        referral = Referral.objects.select_for_update().get(pk=referral_id, to_tenant=tenant)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if referral.status != Referral.Status.WAITING:
        raise ValidationError({"status": _("This referral has been decided already.")})
    if status not in (Referral.Status.ACCEPTED, Referral.Status.DECLINED, Referral.Status.RETURNED):
        raise ValidationError({"status": _("Accept, decline or return the referral.")})
    if status != Referral.Status.ACCEPTED and not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for declining or returning.")})
    referral.status, referral.decision_reason = status, (reason or "").strip()
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.save()
    return referral


# ------------------------------------------------------------------------------------------------ transfers
def _delete_files(tenant, names: list[str]) -> None:
    from django.core.files.storage import default_storage

    with in_tenant(tenant):
        for name in names:
            default_storage.delete(name)


@transaction.atomic
def transfer_dossier(actor, tenant, dossier_id, *, to_tenant: Tenant, reason: str) -> Transfer:
    """Move a dossier with its history to another tenant (the worker moved, the employer was dissolved). The
    sender keeps only the ``Transfer`` record (and its own audit log and ledger, which name the old id)."""
    from core.people.services import persons_by_index
    from dossiers.models import (
        Assistance,
        Consent,
        Dossier,
        DossierTransition,
        HouseholdMember,
        Pairing,
        PairingVisit,
    )
    from dossiers.services import ONE_LIVE_PER_APPLICANT, access_dossier, assess, live_dossier_of_applicant

    require(actor, tenant, DossiersPerm.FILE)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the transfer.")})
    if to_tenant is None or to_tenant.pk == tenant.pk or not to_tenant.is_active:
        raise ValidationError({"to_tenant": _("Choose another, active union.")})
    if not keeps_dossiers(tenant) or not keeps_dossiers(to_tenant):
        # The municipal union holds no worker's personal data of another union: it sees figures only.
        raise ValidationError({"to_tenant": _("Dossiers move only between county and enterprise-group unions.")})
    dossier = access_dossier(actor, tenant, dossier_id, for_update=True)
    if not dossier.is_live:
        raise ValidationError({"dossier": _("Only live dossiers are transferred.")})
    members = list(dossier.members.all())
    numbers = [decrypt(m.id_number_encrypted, tenant.schema_name) for m in members]
    bank = decrypt(dossier.bank_account_encrypted, tenant.schema_name)
    consents = list(dossier.consents.all())
    transitions = list(dossier.transitions.all())
    assistance = list(dossier.assistance.all())
    pairings = [(p, list(p.visits.all())) for p in dossier.pairings.all()]
    files = [(a, a.file.read()) for a in dossier.attachments.all()]  # each tenant's files live in its own folder
    old_paths = [a.file.name for a, _content in files]
    old_id = dossier.pk

    applicant = next((m for m in members if m.relation == HouseholdMember.Relation.APPLICANT), None)
    with in_tenant(to_tenant):
        copy = dossier  # the same field values, saved as a new row in the receiver's schema
        copy.pk = None
        copy.employer_id = copy.station_id = None  # units and stations are the sender's
        copy.bank_account_encrypted = encrypt(bank, to_tenant.schema_name)
        # One live dossier per person in the receiving union too (the blind index is the same in every tenant).
        copy.applicant_index = applicant.id_index if applicant else ""
        taken = _("%(union)s already keeps a live dossier of this applicant: settle the case with that union.")
        if live_dossier_of_applicant(copy.applicant_index) is not None:
            raise ValidationError({"to_tenant": taken % {"union": to_tenant.name}})
        try:
            with transaction.atomic():
                copy.save(force_insert=True)
        except IntegrityError as exc:  # the receiver filed the same person meanwhile
            if ONE_LIVE_PER_APPLICANT not in str(exc):
                raise
            raise ValidationError({"to_tenant": taken % {"union": to_tenant.name}}) from None
        # The receiving union's own records of these persons (the sender's stay with the sender).
        persons = persons_by_index(to_tenant, [(m.name, n, m.phone) for m, n in zip(members, numbers, strict=True)])
        for member, number in zip(members, numbers, strict=True):
            member.pk, member.dossier_id = None, copy.pk
            member.id_number_encrypted = encrypt(number, to_tenant.schema_name)
            member.person = persons.get(member.id_index)
        HouseholdMember.objects.bulk_create(members)
        for row in [*consents, *transitions]:
            row.pk, row.dossier_id = None, copy.pk
        Consent.objects.bulk_create(consents)
        DossierTransition.objects.bulk_create(transitions)
        for row in assistance:
            row.pk, row.dossier_id = None, copy.pk
            row.fund_account_id = row.fund_entry_id = None  # the ledger stays with the sender
            row.note = (row.note + " " + _("(paid by %(union)s)") % {"union": tenant.name}).strip()[:200]
        Assistance.objects.bulk_create(assistance)
        for pairing, visits in pairings:
            pairing.pk, pairing.dossier_id = None, copy.pk
            pairing.save(force_insert=True)
            for visit in visits:
                visit.pk, visit.pairing_id = None, pairing.pk
            PairingVisit.objects.bulk_create(visits)
        for attachment, content in files:
            attachment.pk, attachment.dossier_id = None, copy.pk
            attachment.file.save(attachment.name, ContentFile(content), save=False)
            attachment.save(force_insert=True)
        DossierTransition.objects.create(
            dossier=copy,
            from_status=copy.status,
            to_status=copy.status,
            reason=_("Transferred from %(union)s: %(reason)s") % {"union": tenant.name, "reason": reason.strip()},
            by=actor,
        )
        assess(copy)
        copy.save()
        new_id = copy.pk

    # Other apps follow the move while the sender's rows still exist (core.signals.dossier_transferred).
    core_signals.dossier_transferred.send(
        Dossier, tenant=tenant, to_tenant=to_tenant, old_id=old_id, new_id=new_id, actor=actor
    )
    # Gone from the sender: its rows, its files once committed, then the index (the audit log keeps the old ids).
    transaction.on_commit(lambda: _delete_files(tenant, old_paths))
    Assistance.objects.filter(dossier_id=old_id).delete()
    Pairing.objects.filter(dossier_id=old_id).delete()
    Dossier.objects.filter(pk=old_id).delete()
    PersonIndex.objects.filter(tenant_id=tenant.pk, dossier_id=old_id).update(tenant_id=to_tenant.pk, dossier_id=new_id)
    DuplicateFlag.objects.filter(tenant_id=tenant.pk, dossier_id=old_id).delete()
    DuplicateFlag.objects.filter(other_tenant_id=tenant.pk, other_dossier_id=old_id).delete()
    with in_tenant(to_tenant):
        index_dossier(to_tenant, Dossier.objects.get(pk=new_id))
    return Transfer.objects.create(
        from_tenant=tenant,
        to_tenant=to_tenant,
        from_dossier_id=old_id,
        to_dossier_id=new_id,
        reason=reason.strip(),
        by=actor,
    )
