"""What crosses between tenants, kept in the public schema (D-DO4, D-DO2): only keyed hashes, summaries and
states — never a name of one tenant's worker readable by another tenant, except what a referral carries with the
worker's consent.

- ``PersonIndex``: the keyed hash (``core.pii.blind_index``) of every member of every live dossier, by tenant.
  It lets a filing tenant learn that a person already has a live dossier elsewhere without learning where.
- ``DuplicateFlag``: such a finding. The filing tenant sees that one exists; the municipal union sees where.
- ``Referral``: a case escalated by a tenant to its parent (属地管理、分级负责), carrying only a summary.
- ``Transfer``: the record left behind when a dossier moves to another tenant.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonIndex(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    dossier_id = models.BigIntegerField()
    id_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "dossier_id", "id_hash"], name="person_index_unique")]
        indexes = [models.Index(fields=["id_hash"])]

    def __str__(self):
        return f"{self.tenant_id}/{self.dossier_id}"


class DuplicateFlag(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    dossier_id = models.BigIntegerField()
    other_tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    other_dossier_id = models.BigIntegerField()
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dossier_id", "other_tenant", "other_dossier_id"], name="duplicate_flag_unique"
            )
        ]

    def __str__(self):
        return f"{self.tenant_id}/{self.dossier_id} ~ {self.other_tenant_id}/{self.other_dossier_id}"


class Referral(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RETURNED = "returned", _("Returned for more information")

    from_tenant = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("from"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_tenant = models.ForeignKey(
        "tenants.Tenant", verbose_name=_("to"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    from_dossier_id = models.BigIntegerField()
    # Only what the receiving union needs to decide (no ID number, no bank account).
    summary = models.JSONField(_("summary"))
    request = models.TextField(_("what is asked"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    decision_reason = models.TextField(_("reason"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "accepted"]) | ~models.Q(decision_reason=""),
                name="referral_decline_or_return_has_reason",
            ),
            models.UniqueConstraint(
                fields=["from_tenant", "from_dossier_id"],
                condition=models.Q(status="waiting"),
                name="referral_one_waiting_per_dossier",
            ),
        ]

    def __str__(self):
        return f"{self.from_tenant} → {self.to_tenant} ({self.get_status_display()})"


class Transfer(models.Model):
    from_tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="transfers_out")
    to_tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="transfers_in")
    from_dossier_id = models.BigIntegerField()
    to_dossier_id = models.BigIntegerField()
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.from_tenant} → {self.to_tenant}"
