"""Personal data: resident ID numbers validated, encrypted at rest, found by a keyed hash, shown masked.

Resident ID numbers (居民身份证号码, GB 11643-1999)
------------------------------------------------
- 18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male, even = female) and an
  ISO 7064 MOD 11-2 check character (0-9 or X), which catches every single-character change and every swap of
  two adjacent characters.
- **Policy for a lowercase x**: accepted and stored as the uppercase X (people type it either way).
- **Policy for legacy 15-digit numbers** (issued before 1999: no century, no check character): accepted and
  upgraded to the 18-digit number by the standard rule (century "19" inserted, check character computed), which is
  what the holder's current card shows; the upgraded number is what is stored and compared.
- Area codes: the first two digits must be a province-level code of GB/T 2260, the next four may not be 0000
  (the full county list changes every year and is not kept here).
- Birth dates must be real calendar dates between 1900-01-01 and today.

Encryption and lookup
---------------------
- ``encrypt(value, scope)`` / ``decrypt(token, scope)``: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived per
  scope (the tenant's schema) from ``settings.BANGFU_PII_KEY`` by HKDF, so a row copied into another tenant's
  schema does not decrypt there. Tokens carry a key version (``v1:``) for rotation.
- ``blind_index(value)``: HMAC-SHA256 with a platform-wide derived key; equal numbers give equal hashes in every
  tenant (duplicate detection across tenants) without the number being recoverable.
- ``mask_resident_id``: ``511102********123X`` style — area code and the last four characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str  # the normalised 18-character number
    birth_date: date
    sex: str  # "M" or "F"
    area_code: str
    upgraded_from_15: bool = False


def parse_resident_id(value: str) -> ResidentId:
    """Validate and normalise a resident ID number (see the module docstring for the policy)."""
    raw = (value or "").strip().replace(" ", "")
    upgraded = False
    if len(raw) == 15 and raw.isdigit():
        body = raw[:6] + "19" + raw[6:]
        raw = body + id_check_character(body)
        upgraded = True
    raw = raw.upper()
    if len(raw) != 18:
        raise ValidationError(_("A resident ID number has 18 characters (or 15 for an old one)."), code="length")
    if not raw[:17].isdigit() or not (raw[17].isdigit() or raw[17] == "X"):
        raise ValidationError(_("A resident ID number is 17 digits followed by a digit or X."), code="characters")
    if raw[:2] not in PROVINCE_CODES or raw[2:6] == "0000":
        raise ValidationError(_("The area code of this resident ID number does not exist."), code="area")
    try:
        born = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        message = _("The birth date in this resident ID number is not a date.")
        raise ValidationError(message, code="birth_date") from None
    if born < date(1900, 1, 1) or born > timezone.localdate():
        raise ValidationError(_("The birth date in this resident ID number is impossible."), code="birth_date")
    if id_check_character(raw[:17]) != raw[17]:
        raise ValidationError(_("The check character of this resident ID number is wrong."), code="check")
    return ResidentId(raw, born, "M" if int(raw[16]) % 2 else "F", raw[:6], upgraded)


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def mask_resident_id(number: str) -> str:
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# ------------------------------------------------------------------------------------------------- crypto
KEY_VERSION = "v1"


def _master_key() -> bytes:
    key = getattr(settings, "BANGFU_PII_KEY", "")
    if not key:
        raise RuntimeError("BANGFU_PII_KEY is not set")
    return key.encode()


@cache
def _derive(master: bytes, info: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"bangfu-pii", info=info.encode()).derive(master)


def _fernet(scope: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_master_key(), f"encrypt:{scope}")))


def encrypt(value: str, scope: str) -> str:
    """Encrypt `value` for `scope` (a tenant schema name). Empty stays empty."""
    if not value:
        return ""
    return f"{KEY_VERSION}:" + _fernet(scope).encrypt(value.encode()).decode()


def decrypt(token: str, scope: str) -> str:
    if not token:
        return ""
    version, _sep, payload = token.partition(":")
    if version != KEY_VERSION:
        raise ValueError(f"unknown key version {version!r}")
    try:
        return _fernet(scope).decrypt(payload.encode()).decode()
    except InvalidToken:
        raise ValueError("this value was not encrypted for this tenant") from None


def blind_index(value: str) -> str:
    """A keyed hash for exact lookups and cross-tenant duplicate checks; not reversible without the key."""
    if not value:
        return ""
    key = _derive(_master_key(), "blind-index")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
