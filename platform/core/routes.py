"""Plugin routes behind login and membership by default.

``guarded(patterns, api=…)`` returns the patterns with every view wrapped: a page answers an anonymous visitor
(or one who is no member of this tenant: ``TenantMembershipMiddleware`` makes them anonymous) with the login
page, an API view answers 401. A view marked with :func:`core.plugins.public` is left as it is.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _

from core.access import membership_for


def _is_public(view) -> bool:
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return bool(getattr(view, "bangfu_public", False) or getattr(cls, "bangfu_public", False))


def _api_user(request):
    """Authenticate the request the way the API does (token or session), without running the view."""
    from rest_framework.exceptions import APIException
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf = Request(request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
    try:
        return drf.user
    except APIException:
        return None


def _guard_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "tenant", None) is None:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _guard_api(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise Http404
        user = _api_user(request)
        if user is None or not user.is_authenticated or membership_for(user, tenant) is None:
            reason = _("Authentication credentials were not provided.")
            error = {"field": None, "reason": reason, "code": "not_authenticated"}
            response = JsonResponse({"detail": reason, "errors": [error]}, status=401)
            response["WWW-Authenticate"] = "Token"
            return response
        return view(request, *args, **kwargs)

    return wrapped


def guarded(patterns, *, api: bool) -> list:
    """The same URL patterns with every non-public view behind login and membership."""
    guard = _guard_api if api else _guard_page
    out = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            out.append(
                URLResolver(
                    entry.pattern,
                    guarded(entry.url_patterns, api=api),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
        elif isinstance(entry, URLPattern):
            callback = entry.callback if _is_public(entry.callback) else guard(entry.callback)
            out.append(URLPattern(entry.pattern, callback, entry.default_args, entry.name))
        else:
            out.append(entry)
    return out
