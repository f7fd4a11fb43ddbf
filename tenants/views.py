"""Pages of the tenants app: members and their roles, the signed-in person's invitations, the modules switched on
for the union, and (municipal) the creation of tenants.

Their paths and URL names sit at the root (``/members/``, ``"members"`` …): the app declares ``url_prefix = ""``
and no namespace (``core.plugins.BangfuAppConfig``). Views stay thin: they parse forms and call
``tenants.services``, which checks permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pages import form_errors_from, tenant_page
from core.plugins import active_plugin_slugs, registry
from core.roles import Perm
from tenants import services
from tenants.forms import InitialPasswordForm, MemberAddForm, MemberRoleForm, TenantRequestForm
from tenants.models import Membership, ProvisioningJob, Tenant


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
    role_forms = [
        (m, MemberRoleForm(tenant, initial={"role": m.role, "app_roles": m.app_roles}, prefix=f"m{m.pk}")) for m in rows
    ]
    context = {"form": form, "rows": role_forms}
    return render(request, "tenants/members.html", context, status=400 if form.errors else 200)


@require_POST
@tenant_page(Perm.MANAGE_MEMBERS)
def member_role(request, membership_id: int):
    form = MemberRoleForm(request.tenant, data=request.POST, prefix=f"m{membership_id}")
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("members")
    try:
        current = services.access_membership(request.user, request.tenant, membership_id)
        services.change_member_role(
            request.user,
            request.tenant,
            membership_id,
            role=form.cleaned_data["role"],
            unit_id=current.unit_id,  # the page changes the role, not the unit scope
            app_roles=form.cleaned_data.get("app_roles") if "app_roles" in form.fields else None,
        )
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
    return render(request, "tenants/invitations.html", {"invitations": services.pending_invitations(request.user)})


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
    return render(request, "tenants/plugins.html", {"rows": rows}, status=400 if failed else 200)


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
    return render(request, "tenants/tenants.html", context, status=400 if form.errors else 200)


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
    return render(request, "tenants/provisioning_job.html", context, status=400 if form.errors else 200)
