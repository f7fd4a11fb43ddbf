"""The people of a tenant and the organisations they belong to, living in each tenant's schema.

- ``Unit``: the organisations inside a tenant — the tenant's own union, enterprises (an enterprise group's
  subsidiaries at any depth), development zones / parks, townships / streets, communities / villages. Every app
  (stations, dossiers, plugins) points at these; which of them a membership may see is ``core.scope``.
- ``Person``: a worker or a member of a worker's household, one record however many services they use — found
  again by the blind index of the resident ID number (``core.people.fields.ResidentIdField``).
- ``PersonalDataView``: every full view of a personal datum, of any model (append-only).
- ``PersonConsent``: a person's consent to a category of sensitive data (the core's and the apps' categories,
  ``core.people.services.consent_categories``); withdrawn by stamping ``withdrawn_at``, never edited or removed.

The acts (finding or creating a person, revealing, recording consent) are ``core.people.services``.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.people.fields import ResidentIdField
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


class Person(models.Model):
    name = models.CharField(_("name"), max_length=50)
    id_number = ResidentIdField(_("resident ID number"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        constraints = [
            # One person, one record per union: the blind index finds them again in every service.
            models.UniqueConstraint(fields=["id_index"], condition=~models.Q(id_index=""), name="person_one_per_id")
        ]

    def __str__(self):
        return self.name

    def age(self, on=None) -> int | None:
        """Full years on `on` (today by default), from the birth date the ID number gives."""
        if self.birth_date is None:
            return None
        on = on or timezone.localdate()
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


class PersonalDataView(models.Model):
    """One full view of a personal datum (a resident ID number …) of any model's row: who, how, when."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=50)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("personal-data view")
        verbose_name_plural = _("personal-data views")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="pdview_object")]
        triggers = [
            # The audit log is evidence: not even the application's database role may edit or remove a row.
            pgtrigger.Protect(name="personaldataview_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.field} of {self.content_type_id}:{self.object_id} seen by {self.viewer_id} ({self.channel})"


class PersonConsent(models.Model):
    """A person's consent to one category of sensitive data, given by them or on their behalf (a guardian)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    category = models.CharField(_("category"), max_length=60)
    given_by = models.CharField(_("given by"), max_length=50)
    evidence = models.CharField(_("evidence"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        triggers = [
            pgtrigger.Protect(name="personconsent_no_delete", operation=pgtrigger.Delete),
            # The one change allowed: stamping the withdrawal, once; everything else stays as recorded.
            pgtrigger.Protect(
                name="personconsent_only_withdrawn",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.withdrawn_at IS NOT NULL OR (OLD.id, OLD.person_id, OLD.category, OLD.given_by, OLD.evidence,"
                    " OLD.recorded_by_id, OLD.at) IS DISTINCT FROM (NEW.id, NEW.person_id, NEW.category,"
                    " NEW.given_by, NEW.evidence, NEW.recorded_by_id, NEW.at)"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.category} ({self.given_by})"
