"""Shared-schema models of tenancy: who the tenants are, where they are served, who belongs to them,
which plugins they use, and the provisioning jobs that create them.

Every model here lives in the public schema. Reads of tenant-owned rows go through ``tenants.access`` helpers
that scope them to one tenant.
"""

import re
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from core.roles import MUNICIPAL_ONLY_ROLES, Role

short_code_validator = RegexValidator(
    r"^[a-z][a-z0-9]{1,29}$",
    _("Use 2–30 lowercase letters and digits, starting with a letter (it becomes part of the host name)."),
)
division_code_validator = RegexValidator(r"^\d{6}(\d{6})?$", _("An administrative-division code has 6 or 12 digits."))


class Tenant(TenantMixin):
    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal union")
        COUNTY = "county", _("County / district union")
        ENTERPRISE_GROUP = "enterprise_group", _("Enterprise-group union")

    name = models.CharField(_("name"), max_length=200)
    short_code = models.CharField(
        _("short code"),
        max_length=30,
        unique=True,
        validators=[short_code_validator],
        help_text=_("Used in the host name: <short code>.<base domain>."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent tenant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(
        _("administrative-division code"), max_length=12, blank=True, validators=[division_code_validator]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Schemas are made by tenants.provisioning (cloned from the template), never implicitly by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["kind", "short_code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="municipal") | models.Q(parent__isnull=True),
                name="tenant_municipal_has_no_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="municipal") | models.Q(parent__isnull=False),
                name="tenant_non_municipal_has_parent",
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def schema_for(short_code: str) -> str:
        return "t_" + re.sub(r"[^a-z0-9]", "_", short_code)

    @property
    def is_municipal(self) -> bool:
        return self.kind == self.Kind.MUNICIPAL

    def clean(self):
        errors = {}
        if self.kind == self.Kind.MUNICIPAL and self.parent_id:
            errors["parent"] = _("The municipal union has no parent tenant.")
        if self.kind != self.Kind.MUNICIPAL:
            if not self.parent_id:
                errors["parent"] = _("Choose the parent tenant (the municipal or a county union).")
            elif self.kind == self.Kind.COUNTY and self.parent.kind != self.Kind.MUNICIPAL:
                errors["parent"] = _("A county union's parent is the municipal union.")
            elif self.kind == self.Kind.ENTERPRISE_GROUP and self.parent.kind == self.Kind.ENTERPRISE_GROUP:
                errors["parent"] = _("An enterprise group's parent is the municipal or a county union.")
        if errors:
            raise ValidationError(errors)


# Kinds a tenant can be created as from the pages and the API (there is one municipal union).
NEW_TENANT_KINDS = [choice for choice in Tenant.Kind.choices if choice[0] != Tenant.Kind.MUNICIPAL]


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class Membership(models.Model):
    """A user's role on one tenant, optionally scoped to one unit inside it (units arrive with the stations)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, verbose_name=_("tenant"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    # Roles of the apps (plugins) held beside the platform role, e.g. "legal_aid.coordinator"; they count only
    # where their app is active (core.access). Checked against the apps' declarations by tenants.services.
    app_roles = ArrayField(models.CharField(max_length=80), verbose_name=_("module roles"), default=list, blank=True)
    # The id of a unit in the tenant's own schema (no cross-schema foreign key); empty = the whole tenant.
    unit_id = models.PositiveBigIntegerField(_("unit scope"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_one_per_tenant")]
        ordering = ["tenant_id", "user__username"]

    def __str__(self):
        return f"{self.user} @ {self.tenant}: {self.get_role_display()}"

    def clean(self):
        if self.role in MUNICIPAL_ONLY_ROLES and self.tenant_id and not self.tenant.is_municipal:
            raise ValidationError({"role": _("This role exists only on the municipal union's tenant.")})


class Invitation(models.Model):
    """A tenant's offer of a role to a person who already has an account: no membership until they accept.

    Made by ``tenants.services.add_member`` when the username is taken; the invited person sees it on a tenant
    they already belong to (``/invitations/``, ``/api/invitations/``) and accepts or declines it there.
    """

    tenant = models.ForeignKey(Tenant, verbose_name=_("tenant"), on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit_id = models.PositiveBigIntegerField(_("unit scope"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user"],
                condition=models.Q(accepted_at__isnull=True, declined_at__isnull=True),
                name="invitation_one_pending_per_tenant_user",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.tenant}: {self.get_role_display()}"


class PluginActivation(models.Model):
    """Whether an installed plugin is switched on for a tenant, with its per-tenant settings."""

    tenant = models.ForeignKey(
        Tenant, verbose_name=_("tenant"), on_delete=models.CASCADE, related_name="plugin_activations"
    )
    plugin = models.CharField(_("plugin"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plugin activation")
        verbose_name_plural = _("plugin activations")
        constraints = [models.UniqueConstraint(fields=["tenant", "plugin"], name="plugin_activation_unique")]

    def __str__(self):
        return f"{self.plugin} @ {self.tenant}"


class ProvisioningJob(models.Model):
    """A request to create a tenant, carried out by the worker; its steps show the progress in the pages."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # The steps that `tenants.provisioning.provision_tenant` reports, in order, with their labels.
    STEP_LABELS = {
        "template": _("Checking the tenant template"),
        "schema": _("Copying the template schema"),
        "domain": _("Adding the host name"),
        "plugins": _("Activating plugins"),
        "administrator": _("Appointing the administrator"),
        "done": _("Done"),
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    short_code = models.CharField(_("short code"), max_length=30, validators=[short_code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=Tenant.Kind.choices)
    parent = models.ForeignKey(
        Tenant, verbose_name=_("parent tenant"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    division_code = models.CharField(
        _("administrative-division code"), max_length=12, blank=True, validators=[division_code_validator]
    )
    admin_username = models.CharField(_("administrator's username"), max_length=150, blank=True)
    # True when the job created the administrator's account (which then waits for its initial password).
    admin_created = models.BooleanField(_("administrator account created"), default=False)
    plugins = models.JSONField(_("plugins"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    steps = models.JSONField(_("steps"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    tenant = models.ForeignKey(
        Tenant, verbose_name=_("tenant"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provisioning job")
        verbose_name_plural = _("provisioning jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.short_code} ({self.get_status_display()})"

    def admin_needs_password(self) -> bool:
        if not (self.admin_created and self.status == self.Status.DONE):
            return False
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=self.admin_username).first()
        return user is not None and not user.has_usable_password()

    def step_labels(self) -> list[str]:
        return [str(self.STEP_LABELS.get(step["step"], step["step"])) for step in self.steps]
