"""Validation of organisation identifiers: the unified social credit code (GB 32100-2015) of a unit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V); the 18th is a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless `value` is a well-formed unified social credit code with a correct check
    character. Lowercase letters are accepted (they are normalised to uppercase before saving)."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length")
    bad = sorted({ch for ch in code if ch not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("Characters not allowed in a unified social credit code: %(chars)s"),
            code="alphabet",
            params={"chars": " ".join(bad)},
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(_("The check character of this unified social credit code is wrong."), code="check")
