"""Pages of the core: login (with the second factor), the tenant home, members, invitations, plugin activation,
tenant creation (municipal).

Views stay thin: they parse forms and call the services in ``tenants.services``, which check permissions.
"""

from __future__ import annotations

import time

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
from core.forms import (
    InitialPasswordForm,
    MemberAddForm,
    MemberRoleForm,
    OTPCodeForm,
    TenantLoginForm,
    TenantRequestForm,
)
from core.middleware import SESSION_TENANT_KEY
from core.pages import can, form_errors_from, tenant_page
from core.plugins import active_plugin_slugs, registry
from core.roles import Perm
from core.signals import exports, home_todos
from tenants import services
from tenants.models import Membership, ProvisioningJob, Tenant

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
        "member_count": Membership.objects.filter(tenant_id=tenant.pk).count(),
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


# -------------------------------------------------------------------------------------------------- members
@tenant_page(Perm.MANAGE_MEMBERS)
def members(request):
    tenant = request.tenant
    form = MemberAddForm(tenant, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.add_member(request.user, tenant, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if membership is None:  # one message whether or not the username exists (see services.add_member)
                messages.info(request, _("An invitation has been recorded; the person joins when they accept it."))
            else:
                messages.success(request, _("Member added."))
            return redirect("members")
    rows = Membership.objects.filter(tenant_id=tenant.pk).select_related("user").order_by("user__username")
    role_forms = [(m, MemberRoleForm(tenant, initial={"role": m.role}, prefix=f"m{m.pk}")) for m in rows]
    return render(request, "core/members.html", {"form": form, "rows": role_forms}, status=400 if form.errors else 200)


@require_POST
@tenant_page(Perm.MANAGE_MEMBERS)
def member_role(request, membership_id: int):
    form = MemberRoleForm(request.tenant, data=request.POST, prefix=f"m{membership_id}")
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("members")
    try:
        services.change_member_role(request.user, request.tenant, membership_id, role=form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role changed."))
    return redirect("members")


@require_POST
@tenant_page(Perm.MANAGE_MEMBERS)
def member_remove(request, membership_id: int):
    try:
        services.remove_member(request.user, request.tenant, membership_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Member removed."))
    return redirect("members")


# ---------------------------------------------------------------------------------------------- invitations
@tenant_page(Perm.VIEW_HOME)
def invitations(request):
    """The signed-in person's invitations to join other unions, answered here."""
    return render(request, "core/invitations.html", {"invitations": services.pending_invitations(request.user)})


@require_POST
@tenant_page(Perm.VIEW_HOME)
def invitation_answer(request, invitation_id: int, answer: str):
    if answer == "accept":
        try:
            membership = services.accept_invitation(request.user, invitation_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("You have joined %(union)s.") % {"union": membership.tenant.name})
    elif answer == "decline":
        services.decline_invitation(request.user, invitation_id)
        messages.success(request, _("Invitation declined."))
    else:
        raise Http404
    return redirect("invitations")


# -------------------------------------------------------------------------------------------------- plugins
@tenant_page(Perm.MANAGE_PLUGINS)
def plugins(request):
    """Switch modules on and off; an active module with settings shows its form (the tenant's own values)."""
    tenant = request.tenant
    posted = request.POST.get("plugin", "") if request.method == "POST" else ""
    if posted and request.POST.get("action") != "settings":
        services.set_plugin_active(request.user, tenant, posted, request.POST.get("active") == "1")
        messages.success(request, _("Plugin settings saved."))
        return redirect("plugins")
    active = active_plugin_slugs(tenant)
    rows, failed = [], False
    for cfg in registry.all():
        form_class = cfg.get_settings_form() if cfg.slug in active else None
        form = None
        if form_class is not None:
            if posted == cfg.slug:
                form = form_class(data=request.POST, prefix=cfg.slug)
                if form.is_valid():
                    raw = {name: request.POST.get(f"{cfg.slug}-{name}") for name in form.fields}
                    try:
                        services.save_plugin_settings(request.user, tenant, cfg.slug, raw)
                    except ValidationError as exc:
                        form_errors_from(form, exc)
                    else:
                        messages.success(request, _("Plugin settings saved."))
                        return redirect("plugins")
                failed = True
            else:
                form = form_class(initial=cfg.settings_for(tenant), prefix=cfg.slug)
        rows.append((cfg, cfg.slug in active, form))
    return render(request, "core/plugins.html", {"rows": rows}, status=400 if failed else 200)


# -------------------------------------------------------------------------------------- tenants (municipal)
def _municipal_only(request):
    if not request.tenant.is_municipal:
        raise Http404


@tenant_page(Perm.MANAGE_TENANTS)
def tenant_list(request):
    _municipal_only(request)
    form = TenantRequestForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.request_tenant(request.user, request.tenant, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect("provisioning-job", job_id=job.pk)
    context = {
        "form": form,
        "tenants": Tenant.objects.exclude(schema_name="public").select_related("parent").prefetch_related("domains"),
        "jobs": ProvisioningJob.objects.all()[:10],
    }
    return render(request, "core/tenants.html", context, status=400 if form.errors else 200)


@tenant_page(Perm.MANAGE_TENANTS)
def provisioning_job(request, job_id):
    job = services.access_provisioning_job(request.user, request.tenant, job_id)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(
            {
                "status": job.get_status_display(),
                "steps": job.step_labels(),
                "error": job.error,
                "done": job.finished_at is not None,
            }
        )
    form = InitialPasswordForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_initial_password(request.user, request.tenant, job.pk, form.cleaned_data["password1"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The administrator's password is set."))
            return redirect("provisioning-job", job_id=job.pk)
    context = {"job": job, "form": form if job.admin_needs_password() else None}
    return render(request, "core/provisioning_job.html", context, status=400 if form.errors else 200)


# --------------------------------------------------------------------------------------------------- health
def health_view(request):
    report = health.check_all()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)


def landing(request):
    return render(request, "core/landing.html")
