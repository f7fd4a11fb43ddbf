"""``ResidentIdField``: a resident ID number as one model attribute, stored as the personal-data kit asks.

Declared once (``id_number = ResidentIdField(_("resident ID number"))``), it adds the concrete columns the number
is kept in — the names HouseholdMember already uses, so both read alike:

- ``<name>_encrypted``: the number encrypted for the tenant's schema (``core.pii.encrypt``);
- ``<prefix>_index``: the blind index, to find the person again (``core.pii.blind_index``);
- ``<prefix>_masked``: what pages show (``511102********123X``);
- ``birth_date`` and ``sex``: read off the number (GB 11643), so they never disagree with it.

(``<prefix>`` is the name without ``_number``: ``id_number`` → ``id_index``, ``id_masked``.)

Assigning a number validates it (``core.pii.parse_resident_id``, which raises ValidationError), encrypts it for the
schema the connection is set to, indexes and masks it; assigning "" clears all five. Reading the attribute gives
the masked number — never the full one, which only ``core.people.services.reveal`` returns, with an audit row.
Querying: ``Model.objects.filter(**Model.id_number.lookup(number))``.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from core.pii import blind_index, encrypt, mask_resident_id, parse_resident_id

SEX_CHOICES = [("M", _("Male")), ("F", _("Female"))]


class ResidentIdField(property):
    """A property (so ``Model(id_number=…)`` works like any field) that contributes its stored columns."""

    def __init__(self, verbose_name=None):
        super().__init__(self._read, self._write)
        self.verbose_name = verbose_name or _("resident ID number")
        self.name = ""

    def contribute_to_class(self, cls, name):
        self.name = name
        prefix = name.removesuffix("_number")
        self.encrypted_name = f"{name}_encrypted"
        self.index_name = f"{prefix}_index"
        self.masked_name = f"{prefix}_masked"
        # blank: a person may be recorded before the number is known; the index is unique only where present.
        cls.add_to_class(self.encrypted_name, models.TextField(editable=False, blank=True, default=""))
        cls.add_to_class(
            self.index_name, models.CharField(max_length=64, editable=False, blank=True, default="", db_index=True)
        )
        cls.add_to_class(
            self.masked_name, models.CharField(self.verbose_name, max_length=18, editable=False, blank=True, default="")
        )
        cls.add_to_class("birth_date", models.DateField(_("birth date"), editable=False, null=True, blank=True))
        cls.add_to_class(
            "sex", models.CharField(_("sex"), max_length=1, choices=SEX_CHOICES, editable=False, blank=True)
        )
        setattr(cls, name, self)

    def _read(self, obj) -> str:
        return getattr(obj, self.masked_name)

    def _write(self, obj, value) -> None:
        if not value:
            for attname in (self.encrypted_name, self.index_name, self.masked_name, "sex"):
                setattr(obj, attname, "")
            obj.birth_date = None
            return
        parsed = parse_resident_id(value)
        setattr(obj, self.encrypted_name, encrypt(parsed.number, connection.schema_name))
        setattr(obj, self.index_name, blind_index(parsed.number))
        setattr(obj, self.masked_name, mask_resident_id(parsed.number))
        obj.birth_date, obj.sex = parsed.birth_date, parsed.sex

    def lookup(self, value: str) -> dict:
        """Filter keyword arguments that find the rows holding this number (ValidationError if it is malformed)."""
        return {self.index_name: blind_index(parse_resident_id(value).number)}
