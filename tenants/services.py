"""Domain acts on tenancy, called by the pages, the API and the commands alike.

Each function takes the acting user and the tenant explicitly and checks the permission itself, so no caller can
forget it; reads of a tenant's members go through ``access_membership`` (404 for "not yours" and "missing" alike).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import require
from core.plugins import active_apps, forget_active_plugins, registry
from core.roles import MUNICIPAL_ONLY_ROLES, Perm, Role
from tenants.models import Invitation, Membership, PluginActivation, ProvisioningJob, Tenant
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
    from django.apps import apps
    from django_tenants.utils import schema_context

    unit = apps.get_model("people", "Unit")  # by the app registry: the tenants app imports no tenant app
    with schema_context(tenant.schema_name):
        if not unit.objects.filter(pk=unit_id).exists():
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
) -> Membership | None:
    """Give a person a role on the tenant — by creating their account, or by inviting them.

    A free username with a password: the tenant creates the account and its membership, which is returned.
    Otherwise (the username is taken, or no password was given) the answer is ``None`` whatever the case: an
    existing account gets an ``Invitation`` that its owner accepts or declines (no membership until then); an
    unknown username records nothing. Callers answer ``None`` with one message, so adding members never tells which
    usernames exist or whose they are. A platform administrator (superuser) adds an existing account directly.
    """
    require(actor, tenant, Perm.MANAGE_MEMBERS)
    _check_role(tenant, role)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("This field is required.")})
    _check_unit(tenant, unit_id)
    User = get_user_model()
    # Everything that can be checked without looking the username up is checked first, so that no error (a weak
    # password, a malformed email) depends on whether the account exists.
    candidate = User(username=username, full_name=full_name, email=email)
    if password:
        _set_password(candidate, password)
    candidate.full_clean(exclude=["password"], validate_unique=False)
    existing = User.objects.filter(username=username).first()
    if existing is None and password:
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:  # taken a moment ago: treated like any taken username
            existing = User.objects.get(username=username)
        else:
            user = candidate
            return Membership.objects.create(user=user, tenant=tenant, role=role, unit_id=unit_id, created_by=actor)
    if existing is None:
        return None
    if Membership.objects.filter(user=existing, tenant_id=tenant.pk).exists():
        # The members list already shows this person: the error tells the administrator nothing new.
        raise ValidationError({"username": _("This user is already a member of this tenant.")})
    if actor.is_superuser:
        return Membership.objects.create(user=existing, tenant=tenant, role=role, unit_id=unit_id, created_by=actor)
    invite_member(actor, tenant, existing, role=role, unit_id=unit_id)
    return None


def invite_member(actor, tenant: Tenant, user, *, role: str, unit_id=None) -> Invitation:
    """Record (or renew) the tenant's pending invitation of an existing account. Called by ``add_member``, which
    checked the permission, the role and the unit."""
    expires_at = timezone.now() + timedelta(days=settings.BANGFU_INVITATION_DAYS)
    pending = (
        Invitation.objects.select_for_update()
        .filter(tenant_id=tenant.pk, user_id=user.pk, accepted_at__isnull=True, declined_at__isnull=True)
        .first()
    )
    if pending is not None:
        pending.role, pending.unit_id, pending.invited_by, pending.expires_at = role, unit_id, actor, expires_at
        pending.save(update_fields=["role", "unit_id", "invited_by", "expires_at"])
        return pending
    return Invitation.objects.create(
        tenant=tenant, user=user, role=role, unit_id=unit_id, invited_by=actor, expires_at=expires_at
    )


def pending_invitations(user):
    """The invitations waiting for `user`'s answer (from any tenant), newest first."""
    return (
        Invitation.objects.filter(
            user_id=user.pk,
            accepted_at__isnull=True,
            declined_at__isnull=True,
            expires_at__gt=timezone.now(),
            tenant__is_active=True,
        )
        .select_related("tenant", "invited_by")
        .order_by("-created_at")
    )


def _access_pending_invitation(user, invitation_id) -> Invitation:
    """One of `user`'s own pending invitations, locked; 404 for someone else's, an answered or expired one alike."""
    try:
        return pending_invitations(user).select_for_update(of=("self",)).get(pk=invitation_id)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@transaction.atomic
def accept_invitation(user, invitation_id) -> Membership:
    """The invited person accepts: the membership is made with the role and unit scope of the invitation."""
    invitation = _access_pending_invitation(user, invitation_id)
    tenant = invitation.tenant
    # The unit may have gone since the invitation was made.
    _check_role(tenant, invitation.role)
    _check_unit(tenant, invitation.unit_id)
    membership, _created = Membership.objects.get_or_create(
        user=user,
        tenant=tenant,
        defaults={"role": invitation.role, "unit_id": invitation.unit_id, "created_by": invitation.invited_by},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    user.__dict__.get("_bangfu_memberships", {}).pop(tenant.pk, None)
    return membership


@transaction.atomic
def decline_invitation(user, invitation_id) -> None:
    invitation = _access_pending_invitation(user, invitation_id)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])


@transaction.atomic
def change_member_role(
    actor, tenant: Tenant, membership_id, *, role: str, unit_id=None, app_roles: list[str] | None = None
) -> Membership:
    """Change a member's platform role and unit scope, and (when given) the module roles held beside it."""
    membership = access_membership(actor, tenant, membership_id)
    _check_role(tenant, role)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.TENANT_ADMIN:
        _check_not_last_admin(membership)
    _check_unit(tenant, unit_id)
    membership.role = role
    membership.unit_id = unit_id
    if app_roles is not None:
        membership.app_roles = _checked_app_roles(tenant, app_roles)
    membership.save(update_fields=["role", "unit_id", "app_roles"])
    return membership


def available_app_roles(tenant: Tenant) -> list:
    """The roles the apps active on the tenant add beside the platform role (a plugin's counselor, lawyer …)."""
    return [role for app in active_apps(tenant) if not app.declares_platform_roles for role in app.roles]


def _checked_app_roles(tenant: Tenant, app_roles) -> list[str]:
    known = {role.key for role in available_app_roles(tenant)}
    unknown = sorted(set(app_roles) - known)
    if unknown:
        raise ValidationError(
            {"app_roles": [_("No active module of this union has the role %s.") % ", ".join(unknown)]}
        )
    return sorted(set(app_roles))


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
