"""Acts on persons and their personal data: one person record per union, audited reveals, consent.

All run in the tenant's schema (the request's or the task's connection is already set to it); the functions that
take a tenant check that, because a number encrypted for the wrong schema would not decrypt in its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.people.models import Person, PersonalDataView, PersonConsent
from core.pii import blind_index, decrypt, parse_resident_id


def _in_schema_of(tenant) -> None:
    if connection.schema_name != tenant.schema_name:
        raise RuntimeError(f"the connection is set to {connection.schema_name!r}, not {tenant.schema_name!r}")


# ------------------------------------------------------------------------------------------------ persons
def find_or_create_person(tenant, *, name: str, id_number: str, unit=None, phone: str = "") -> Person:
    """The union's one record of the person with this resident ID number, made on first sight. A known person
    keeps their name; a unit or phone they lacked is filled in. ValidationError if the number is malformed."""
    _in_schema_of(tenant)
    number = parse_resident_id(id_number).number
    found = Person.objects.filter(id_index=blind_index(number)).first()
    if found is None:
        try:
            with transaction.atomic():  # two services may meet the same person at once: the index decides
                return Person.objects.create(name=name, id_number=number, unit=unit, phone=phone)
        except IntegrityError:
            found = Person.objects.get(id_index=blind_index(number))
    changed = []
    if unit is not None and found.unit_id is None:
        found.unit, changed = unit, [*changed, "unit"]
    if phone and not found.phone:
        found.phone, changed = phone, [*changed, "phone"]
    if changed:
        found.save(update_fields=changed)
    return found


def persons_by_index(tenant, people: Iterable[tuple[str, str, str]], unit=None) -> dict[str, Person]:
    """Batch form of ``find_or_create_person`` for (name, normalised number, phone) rows — a household, an import —
    in three queries whatever the size. Returns the persons by blind index."""
    _in_schema_of(tenant)
    rows = {blind_index(number): (name, number, phone) for name, number, phone in people if number}
    found = {p.id_index: p for p in Person.objects.filter(id_index__in=list(rows))}
    missing = [
        Person(name=name, id_number=number, unit=unit, phone=phone)
        for index, (name, number, phone) in rows.items()
        if index not in found
    ]
    if missing:
        Person.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent creation wins; read it back
        found = {p.id_index: p for p in Person.objects.filter(id_index__in=list(rows))}
    return found


# ------------------------------------------------------------------------------------------------ reveal
def reveal(actor, obj, field: str = "id_number", *, channel: str) -> str:
    """The full value of an encrypted personal datum of `obj` (any model with ``<field>_encrypted``), with one
    audit row saying who saw it, how (``channel``: "page", "api", "export" …) and when. The caller has checked
    that `actor` may see it."""
    token = getattr(obj, f"{field}_encrypted")
    value = decrypt(token, connection.schema_name)
    PersonalDataView.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        field=field,
        viewer=actor,
        channel=channel,
    )
    return value


def views_of(obj):
    """The audit rows of `obj`, newest first."""
    return PersonalDataView.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


# ------------------------------------------------------------------------------------------------ consent
def consent_categories() -> dict[str, str]:
    """Every consent category: the core's (un-namespaced, like the platform's roles) and each installed app's
    (``"<slug>.<name>"``), all declared as ``consent_categories`` in the app's permissions.py."""
    from core.plugins import registry

    categories: dict[str, str] = {}
    for app in registry.apps():
        categories.update(app.consent_categories)
    return categories


def record_consent(actor, tenant, person: Person, category: str, *, given_by: str, evidence: str) -> PersonConsent:
    """Record that `person` (or `given_by` on their behalf) consented to `category`; `evidence` says where the
    signed form or the recording is."""
    _in_schema_of(tenant)
    errors = {}
    if category not in consent_categories():
        errors["category"] = [_("Unknown consent category: %(category)s") % {"category": category}]
    if not (given_by or "").strip():
        errors["given_by"] = [_("Say who gave the consent.")]
    if not (evidence or "").strip():
        errors["evidence"] = [_("Say where the consent is kept (a signed form, a recording).")]
    if errors:
        raise ValidationError(errors)
    return PersonConsent.objects.create(
        person=person, category=category, given_by=given_by.strip(), evidence=evidence.strip(), recorded_by=actor
    )


def withdraw_consent(tenant, consent: PersonConsent) -> PersonConsent:
    """Stamp the withdrawal (the row itself stays: it proves what was allowed until then)."""
    _in_schema_of(tenant)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    return consent


def has_consent(person: Person, category: str) -> bool:
    return PersonConsent.objects.filter(person=person, category=category, withdrawn_at__isnull=True).exists()
