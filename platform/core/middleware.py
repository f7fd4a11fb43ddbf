"""Request pipeline of tenancy.

1. ``TenantHostMiddleware`` (first): the host name picks the tenant and sets the connection's schema; hosts in
   ``PUBLIC_HOSTS`` get the public site; any other unknown host gets 404.
2. ``TenantMembershipMiddleware`` (after authentication): a session is honoured only on the tenant it was opened on
   and only while the user holds a membership there; otherwise the request is anonymous. It attaches
   ``request.membership``.
3. ``TwoFactorGateMiddleware`` (after django-otp's ``OTPMiddleware``): a member who must use two-factor sign-in
   (``BANGFU_REQUIRE_2FA_FOR``) or has enrolled, and whose session has no verified second factor (a session from
   before enrolment), reaches only the two-factor page (enrolment or code), logging out and the language switch.
4. ``PluginGateMiddleware``: ``/plugins/<slug>/`` and ``/api/plugins/<slug>/`` answer 404 unless the plugin is
   active on the tenant.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django_tenants.middleware.main import TenantMainMiddleware

from core.access import membership_for
from core.plugins import is_active, registry

SESSION_TENANT_KEY = "bangfu_tenant_id"


class TenantHostMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(domain=hostname, tenant__is_active=True)
        return domain.tenant

    def no_tenant_found(self, request, hostname):
        if hostname in settings.PUBLIC_HOSTS:
            request.tenant = None
            connection.set_schema_to_public()
            self.setup_url_routing(request, force_public=True)
            return None
        raise Http404("Unknown host")


class TenantMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        request.membership = None
        user = request.user
        if user.is_authenticated:
            bound = request.session.get(SESSION_TENANT_KEY)
            membership = membership_for(user, tenant) if tenant is not None else None
            if membership is None or bound != tenant.pk:
                # Not the tenant this session was opened on, or no longer a member: anonymous here.
                request.user = AnonymousUser()
            else:
                request.membership = membership
        return self.get_response(request)


class TwoFactorGateMiddleware:
    OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/jsi18n/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.twofactor import confirmed_device, requires_two_factor

        user = request.user
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.OPEN_PREFIXES)
            and not user.is_verified()
            and (requires_two_factor(user, tenant) or confirmed_device(user) is not None)
        ):
            if request.path_info.startswith("/api/"):
                from django.utils.translation import gettext as _

                detail = _("Two-factor sign-in is required: set it up on the two-factor page first.")
                error = {"field": None, "reason": detail, "code": "two_factor_required"}
                return JsonResponse({"detail": detail, "errors": [error]}, status=403)
            return redirect("two-factor")
        return self.get_response(request)


_PLUGIN_PATH = re.compile(r"^/(?:api/)?plugins/(?P<slug>[^/]+)/")


class PluginGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = _PLUGIN_PATH.match(request.path_info)
        if match:
            plugin = registry.get(match["slug"])
            if plugin is not None and not is_active(plugin, getattr(request, "tenant", None)):
                raise Http404
        return self.get_response(request)
