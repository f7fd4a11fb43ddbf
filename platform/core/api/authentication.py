"""API authentication that honours credentials only on tenants where the user is a member."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.access import membership_for


class TenantTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. A token is the user's, but it works only on the user's tenants: elsewhere
    it gets the same answer as an unknown token, so it reveals nothing about the other tenant."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        tenant = getattr(request._request, "tenant", None)
        membership = membership_for(user, tenant)
        if membership is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        from core import twofactor

        # Who must use a second factor and has none yet has no working token (enrolling drops old ones).
        if twofactor.requires_two_factor(user, tenant) and twofactor.confirmed_device(user) is None:
            raise exceptions.AuthenticationFailed(
                _("Two-factor sign-in is required: set it up on the two-factor page first.")
            )
        request._request.membership = membership
        return user, token
