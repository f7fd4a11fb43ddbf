"""Domain acts on tenancy, called by the pages, the API and the commands alike.

Each function takes the acting user and the tenant explicitly and checks the permission itself, so no caller can
forget it; reads of a tenant's members go through ``access_membership`` (404 for "not yours" and "missing" alike).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from core.access import require
from core.plugins import forget_active_plugins, registry
from core.roles import MUNICIPAL_ONLY_ROLES, Perm, Role
from tenants.models import Membership, PluginActivation, ProvisioningJob, Tenant
from tenants.provisioning import validate_request


def access_membership(actor, tenant: Tenant, membership_id) -> Membership:
    require(actor, tenant, Perm.MANAGE_MEMBERS)
    try:
        return Membership.objects.select_related("user").get(pk=membership_id, tenant_id=tenant.pk)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _check_role(tenant: Tenant, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role in MUNICIPAL_ONLY_ROLES and not tenant.is_municipal:
        raise ValidationError({"role": _("This role exists only on the municipal union's tenant.")})


def _set_password(user, password: str) -> None:
    """Validate with Django's password validators (errors reported on the `password` field), then hash."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)


def _check_unit(tenant: Tenant, unit_id) -> None:
    """A unit scope names a unit of this tenant (it lives in the tenant's schema, so no foreign key can say so)."""
    if unit_id is None:
        return
    from django_tenants.utils import schema_context

    from stations.models import Unit

    with schema_context(tenant.schema_name):
        if not Unit.objects.filter(pk=unit_id).exists():
            raise ValidationError({"unit_id": _("This tenant has no such unit.")})


def _check_not_last_admin(membership: Membership) -> None:
    if membership.role == Role.TENANT_ADMIN:
        others = Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.TENANT_ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise ValidationError({"role": _("A tenant keeps at least one administrator.")})


@transaction.atomic
def add_member(
    actor,
    tenant: Tenant,
    *,
    username: str,
    role: str,
    full_name: str = "",
    email: str = "",
    password: str = "",
    unit_id: int | None = None,
) -> Membership:
    """Give a person a role on the tenant; creates the user account when the username is new (then a password
    is required)."""
    require(actor, tenant, Perm.MANAGE_MEMBERS)
    _check_role(tenant, role)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("This field is required.")})
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        if not password:
            raise ValidationError({"password": _("A new user needs a password.")})
        user = User(username=username, full_name=full_name, email=email)
        _set_password(user, password)
        user.full_clean(exclude=["password"])
        user.save()
    elif Membership.objects.filter(user=user, tenant_id=tenant.pk).exists():
        raise ValidationError({"username": _("This user is already a member of this tenant.")})
    _check_unit(tenant, unit_id)
    return Membership.objects.create(user=user, tenant=tenant, role=role, unit_id=unit_id, created_by=actor)


@transaction.atomic
def change_member_role(actor, tenant: Tenant, membership_id, *, role: str, unit_id=None) -> Membership:
    membership = access_membership(actor, tenant, membership_id)
    _check_role(tenant, role)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.TENANT_ADMIN:
        _check_not_last_admin(membership)
    _check_unit(tenant, unit_id)
    membership.role = role
    membership.unit_id = unit_id
    membership.save(update_fields=["role", "unit_id"])
    return membership


@transaction.atomic
def remove_member(actor, tenant: Tenant, membership_id) -> None:
    membership = access_membership(actor, tenant, membership_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _check_not_last_admin(membership)
    membership.delete()


@transaction.atomic
def set_plugin_active(actor, tenant: Tenant, slug: str, active: bool) -> PluginActivation:
    """Switch a plugin on or off for the tenant. A real switch (not a repeat) calls the plugin's ``installed`` or
    ``uninstalled`` hook once, in the tenant's schema, and sends ``core.signals.app_switched`` (the rollups
    refresh the tenant's figures from it), all in this transaction."""
    require(actor, tenant, Perm.MANAGE_PLUGINS)
    plugin = registry.get(slug)
    if plugin is None:
        raise Http404
    activation = PluginActivation.objects.select_for_update().filter(tenant=tenant, plugin=slug).first()
    was_active = activation is not None and activation.is_active
    if activation is None:
        activation = PluginActivation(tenant=tenant, plugin=slug)
    activation.is_active, activation.changed_by = active, actor
    activation.save()
    forget_active_plugins(tenant)
    if active != was_active:
        from django_tenants.utils import schema_context

        from core.signals import app_switched

        with schema_context(tenant.schema_name):
            (plugin.installed if active else plugin.uninstalled)(tenant)
        app_switched.send(type(plugin), tenant=tenant, app=plugin, active=active)
    return activation


@transaction.atomic
def save_plugin_settings(actor, tenant: Tenant, slug: str, data) -> dict:
    """Validate a plugin's per-tenant settings with the form it declares and store them on its activation;
    returns the cleaned settings. Errors name the form's fields."""
    require(actor, tenant, Perm.MANAGE_PLUGINS)
    plugin = registry.get(slug)
    if plugin is None or plugin.get_settings_form() is None:
        raise Http404
    form = plugin.get_settings_form()(data=data)
    if not form.is_valid():
        raise ValidationError(
            {field: [e["message"] for e in errors] for field, errors in form.errors.get_json_data().items()}
        )
    activation, _created = PluginActivation.objects.select_for_update().get_or_create(
        tenant=tenant, plugin=slug, defaults={"is_active": False, "changed_by": actor}
    )
    activation.config = {key: _jsonable(value) for key, value in form.cleaned_data.items()}
    activation.changed_by = actor
    activation.save(update_fields=["config", "changed_by", "changed_at"])
    return plugin.settings_for(tenant)


def _jsonable(value):
    """Settings are stored as JSON: decimals and dates as text, which the form cleans back on reading."""
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal | date):
        return str(value)
    return value


def request_tenant(
    actor,
    tenant: Tenant,
    *,
    name: str,
    short_code: str,
    kind: str,
    parent: Tenant | None,
    division_code: str = "",
    admin_username: str = "",
    plugins: list[str] | None = None,
) -> ProvisioningJob:
    """The municipal admin asks for a new tenant: validate now, create it in the worker, return the job."""
    if not tenant.is_municipal:
        raise Http404
    require(actor, tenant, Perm.MANAGE_TENANTS)
    validate_request(name=name, short_code=short_code, kind=kind, parent=parent, division_code=division_code)
    unknown = sorted(set(plugins or ()) - set(registry.slugs()))
    if unknown:
        raise ValidationError({"plugins": [_("Unknown plugins: %s") % ", ".join(unknown)]})
    job = ProvisioningJob.objects.create(
        name=name.strip(),
        short_code=short_code.strip(),
        kind=kind,
        parent=parent,
        division_code=division_code.strip(),
        admin_username=(admin_username or "").strip(),
        plugins=list(plugins or []),
        requested_by=actor,
    )
    from tenants.tasks import provision_tenant_task

    transaction.on_commit(lambda: provision_tenant_task.apply_async(args=[str(job.pk)]))
    return job


def access_provisioning_job(actor, tenant: Tenant, job_id) -> ProvisioningJob:
    if not tenant.is_municipal:
        raise Http404
    require(actor, tenant, Perm.MANAGE_TENANTS)
    try:
        return ProvisioningJob.objects.get(pk=job_id)
    except (ProvisioningJob.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


@transaction.atomic
def set_initial_password(actor, tenant: Tenant, job_id, password: str) -> None:
    """The municipal admin gives the administrator account that a provisioning job created its first password.
    Only once: afterwards the account's owner changes it."""
    job = access_provisioning_job(actor, tenant, job_id)
    if not job.admin_needs_password():
        raise ValidationError({"password": _("This administrator already has a password.")})
    user = get_user_model().objects.select_for_update().get(username=job.admin_username)
    _set_password(user, password)
    user.save(update_fields=["password"])
