"""Two-factor sign-in (TOTP, django-otp's ``otp_totp`` devices): who must use it, enrolment, and checking a code.

Every user may enrol (the page ``/accounts/two-factor/``: a QR code and the secret, confirmed with a code). Once a
user has a confirmed device, every login asks for a code after the password: the page login (and with it the
admin, whose login is that page) and the API token endpoint (field ``otp_token``). ``BANGFU_REQUIRE_2FA_FOR`` says
who must enrol; the production settings require it of tenant administrators, everyone on the municipal union and
everyone who may reveal full ID numbers. Such a user, not yet enrolled, is sent to enrolment right after the
password and can do nothing else (``core.middleware.TwoFactorGateMiddleware``); their API tokens do not work.
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access import membership_for, permissions_for


def requires_two_factor(user, tenant) -> bool:
    """Whether `user` must sign in with a second factor on `tenant` (``BANGFU_REQUIRE_2FA_FOR``)."""
    rule = getattr(settings, "BANGFU_REQUIRE_2FA_FOR", None) or {}
    membership = membership_for(user, tenant)
    if membership is None:
        return False
    if rule.get("municipal") and tenant.is_municipal:
        return True
    if membership.role in set(rule.get("roles", ())):
        return True
    return bool(set(rule.get("permissions", ())) & permissions_for(user, tenant))


def confirmed_device(user) -> TOTPDevice | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def check_code(user, code: str) -> TOTPDevice | None:
    """The user's confirmed device if `code` is its current code (django-otp refuses a code used before and slows
    repeated failures), else None."""
    device = confirmed_device(user)
    code = (code or "").strip()
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    return device


def enrolment_for(user) -> TOTPDevice:
    """The user's device waiting for confirmation (made on the first visit; the same secret until confirmed)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Bangfu", confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret in the base32 form authenticator apps accept when typed in."""
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (segno; no image files, no outside service)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


@transaction.atomic
def confirm_enrolment(user, code: str) -> TOTPDevice | None:
    """Confirm the pending device with a code from the app. The user's API tokens are dropped: they were issued
    without the second factor."""
    device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    code = (code or "").strip()
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user_id=user.pk).delete()
    return device
