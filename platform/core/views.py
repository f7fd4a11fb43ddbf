"""Pages of the core: login (with the second factor), the tenant home, the health check and the landing page.

The tenancy pages (members, invitations, plugins, tenants) are the tenants app's (``tenants.views``): the core sits
below it and reads its models through the app registry only.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from core import health, twofactor
from core.auth import LoginThrottle
from core.forms import OTPCodeForm, TenantLoginForm
from core.middleware import SESSION_TENANT_KEY
from core.pages import can, tenant_page
from core.plugins import active_plugin_slugs, registry
from core.roles import Perm
from core.signals import exports, home_todos

# ---------------------------------------------------------------------------------------------------- login
PENDING_2FA_KEY = "bangfu_2fa_pending"


def _safe_next(request, target: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "home"


def _sign_in(request, user, device=None):
    login(request, user)
    request.session[SESSION_TENANT_KEY] = request.tenant.pk
    if device is not None:
        otp_login(request, device)


def login_view(request):
    """Username and password; then, for a user with two-factor sign-in, the code (``login_code``)."""
    if request.tenant is None:
        raise Http404
    form = TenantLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = _safe_next(request, request.GET.get("next", ""))
        if twofactor.confirmed_device(form.user) is not None:
            # Not signed in yet: the session only remembers, for a few minutes, whose password was right here.
            request.session[PENDING_2FA_KEY] = {
                "user": form.user.pk,
                "tenant": request.tenant.pk,
                "at": time.time(),
                "next": target,
            }
            return redirect("login-code")
        _sign_in(request, form.user)
        return redirect(target)  # a user who must enrol is sent there by TwoFactorGateMiddleware
    return render(request, "registration/login.html", {"form": form}, status=400 if form.errors else 200)


def login_code(request):
    """The second step of a two-factor login: the code from the authenticator app (throttled like passwords)."""
    if request.tenant is None:
        raise Http404
    from django.contrib.auth import get_user_model

    pending = request.session.get(PENDING_2FA_KEY) or {}
    fresh = time.time() - pending.get("at", 0) < settings.BANGFU_2FA_PENDING_SECONDS
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first() if fresh else None
    if user is None or pending.get("tenant") != request.tenant.pk:
        request.session.pop(PENDING_2FA_KEY, None)
        return redirect("login")
    form = OTPCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttle = LoginThrottle(request, user.get_username())
        if throttle.is_locked():
            form.add_error(None, ValidationError(TenantLoginForm.error_messages["locked"], code="locked"))
        else:
            device = twofactor.check_code(user, form.cleaned_data["otp_token"])
            if device is None:
                throttle.record_failure()
                form.add_error("otp_token", _("This code is not right (or was used already)."))
            else:
                throttle.reset()
                request.session.pop(PENDING_2FA_KEY, None)
                _sign_in(request, user, device)
                return redirect(pending.get("next") or "home")
    return render(request, "registration/login_code.html", {"form": form}, status=400 if form.errors else 200)


def two_factor(request):
    """Set up two-factor sign-in (QR code, secret, a code to confirm), or give the code for this session."""
    if request.tenant is None:
        raise Http404
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    user = request.user
    device = twofactor.confirmed_device(user)
    form = OTPCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["otp_token"]
        verified = twofactor.check_code(user, code) if device else twofactor.confirm_enrolment(user, code)
        if verified is None:
            form.add_error("otp_token", _("This code is not right (or was used already)."))
        else:
            otp_login(request, verified)
            if device is None:
                messages.success(request, _("Two-factor sign-in is on: every login now asks for a code."))
            return redirect("home")
    context = {"form": form, "enrolled": device is not None, "verified": user.is_verified()}
    if device is None:
        pending = twofactor.enrolment_for(user)
        # segno's SVG holds only the drawing (no text of ours), so it is safe to insert as it is.
        svg = mark_safe(twofactor.qr_svg(pending))  # noqa: S308
        context.update(qr_svg=svg, secret=twofactor.secret_of(pending))
    return render(request, "registration/two_factor.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


# ----------------------------------------------------------------------------------------------------- home
@tenant_page(Perm.VIEW_HOME)
def home(request):
    tenant = request.tenant
    context = {
        "tenant": tenant,
        "children": tenant.children.filter(is_active=True).order_by("kind", "division_code", "short_code"),
        "member_count": apps.get_model("tenants", "Membership").objects.filter(tenant_id=tenant.pk).count(),
        "plugins": [cfg for cfg in registry.all() if cfg.slug in active_plugin_slugs(tenant)],
        # What the apps active here say is waiting (core.signals.home_todos) and what can be downloaded.
        "todos": sorted(
            (todo for todo in home_todos.collect(None, tenant=tenant, request=request) if todo.count),
            key=lambda todo: todo.weight,
        ),
        "exports": [
            link for link in exports.collect(None, tenant=tenant, request=request) if can(request, link.permission)
        ],
    }
    return render(request, "core/home.html", context)


# --------------------------------------------------------------------------------------------------- health
def health_view(request):
    report = health.check_all()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)


def landing(request):
    return render(request, "core/landing.html")
