"""Pages of the core: login, the tenant home, members, plugin activation, tenant creation (municipal).

Views stay thin: they parse forms and call the services in ``tenants.services``, which check permissions.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import health
from core.access import has_permission, require
from core.dates import BadQuery
from core.forms import InitialPasswordForm, MemberAddForm, MemberRoleForm, TenantLoginForm, TenantRequestForm
from core.middleware import SESSION_TENANT_KEY
from core.plugins import active_plugin_slugs, registry
from core.roles import Perm
from tenants import services
from tenants.models import Membership, ProvisioningJob, Tenant


def tenant_page(perm: str):
    """A page on a tenant host: login required, then `perm` (404 otherwise, as for a missing object)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.tenant is None:
                raise Http404
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require(request.user, request.tenant, perm)
            try:
                return view(request, *args, **kwargs)
            except BadQuery as exc:  # a year or date out of range in the query string
                context = {"field": exc.field, "message": exc.message}
                return render(request, "core/bad_request.html", context, status=400)

        return wrapped

    return decorator


def form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# ---------------------------------------------------------------------------------------------------- login
def login_view(request):
    if request.tenant is None:
        raise Http404
    form = TenantLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        request.session[SESSION_TENANT_KEY] = request.tenant.pk
        target = request.GET.get("next", "")
        from django.utils.http import url_has_allowed_host_and_scheme

        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "home"
        return redirect(target)
    return render(request, "registration/login.html", {"form": form}, status=400 if form.errors else 200)


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
    }
    return render(request, "core/home.html", context)


# -------------------------------------------------------------------------------------------------- members
@tenant_page(Perm.MANAGE_MEMBERS)
def members(request):
    tenant = request.tenant
    form = MemberAddForm(tenant, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_member(request.user, tenant, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
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


# -------------------------------------------------------------------------------------------------- plugins
@tenant_page(Perm.MANAGE_PLUGINS)
def plugins(request):
    if request.method == "POST":
        slug = request.POST.get("plugin", "")
        services.set_plugin_active(request.user, request.tenant, slug, request.POST.get("active") == "1")
        messages.success(request, _("Plugin settings saved."))
        return redirect("plugins")
    active = active_plugin_slugs(request.tenant)
    rows = [(cfg, cfg.slug in active) for cfg in registry.all()]
    return render(request, "core/plugins.html", {"rows": rows})


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


def can(request, perm: str) -> bool:
    return has_permission(request.user, getattr(request, "tenant", None), perm)
