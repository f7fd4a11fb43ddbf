"""The core's forms: the login and its second factor (the tenancy forms are ``tenants.forms``)."""

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.access import membership_for
from core.auth import LoginThrottle


class TenantLoginForm(forms.Form):
    """Username + password, accepted only for members of the tenant whose host this is; throttled."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("Please enter a correct username and password."),
        "locked": _("Too many failed attempts. Please try again later."),
    }

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        throttle = LoginThrottle(self.request, username)
        if throttle.is_locked():
            raise ValidationError(self.error_messages["locked"], code="locked")
        user = authenticate(self.request, username=username, password=password)
        # A non-member gets the same answer as a wrong password: the page reveals nothing.
        if user is None or membership_for(user, self.request.tenant) is None:
            throttle.record_failure()
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        # With a second factor the login is not done yet: the count is cleared only by a right code, or else a
        # known password would wipe the record of guessed codes each time.
        from core.twofactor import confirmed_device

        if confirmed_device(user) is None:
            throttle.reset()
        self.user = user
        return self.cleaned_data


class OTPCodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
