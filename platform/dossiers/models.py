"""Hardship-worker dossiers (D-DO1 … D-DO6), in each tenant's schema.

- ``Dossier``: one household (困难职工档案). Lifecycle draft → submitted → reviewed → filed, then lifted out of
  hardship (解困) or cancelled (注销); every transition is a ``DossierTransition`` row (who, when, reason).
- ``HouseholdMember``: the applicant and each member. The resident ID number is stored **encrypted**
  (``id_number_encrypted``, per-tenant key), found by its keyed hash (``id_index``) and shown through ``id_masked``
  unless the viewer's role may see it whole; each full view writes an ``IdNumberView`` row, a table that the
  application cannot change or delete (a trigger refuses UPDATE and DELETE).
- ``Consent``: recorded consent of the household for a sensitive category (health, disability, referral);
  health and disability data are not saved without it.
- ``LivingStandard``: the tenant's minimum-living standard (低保) per year; eligibility is computed from it.
- ``Assistance``: help given, booked in the station fund ledger in the same transaction when paid from a fund.
- ``Pairing`` / ``PairingVisit``: a cadre linked to a household (结对帮扶) and the visits.
- ``ReviewCampaign`` / ``ReviewTask``: the annual concentrated review (年度集中清理复核).

Rules and mutations live in ``dossiers.services``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class LivingStandard(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    monthly_per_capita = models.DecimalField(
        _("minimum-living standard per person and month"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )

    class Meta:
        verbose_name = _("minimum-living standard")
        verbose_name_plural = _("minimum-living standards")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}: {self.monthly_per_capita}"


class Dossier(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Reviewed")
        FILED = "filed", _("Filed")
        LIFTED = "lifted", _("Out of hardship (解困)")
        CANCELLED = "cancelled", _("Cancelled (注销)")

    class Tier(models.TextChoices):
        DEEP = "deep", _("Deep hardship (深度困难)")
        RELATIVE = "relative", _("Relative hardship (相对困难)")
        ACCIDENTAL = "accidental", _("Hardship by accident (意外致困)")
        NONE = "none", _("Not eligible")

    class Cause(models.TextChoices):
        ILLNESS = "illness", _("Illness")
        DISABILITY = "disability", _("Disability")
        SCHOOLING = "schooling", _("Children's schooling")
        UNEMPLOYMENT = "unemployment", _("Unemployment")
        ACCIDENT = "accident", _("Accident or disaster")
        LOW_INCOME = "low_income", _("Low income")
        ENTERPRISE = "enterprise", _("Enterprise in difficulty")
        OTHER = "other", _("Other")

    class ModelWorker(models.TextChoices):
        NONE = "", _("No")
        COUNTY = "county", _("County level")
        CITY = "city", _("City level")
        PROVINCE = "province", _("Province level")
        NATIONAL = "national", _("National level")

    class Housing(models.TextChoices):
        OWN = "own", _("Own home")
        RENTED = "rented", _("Rented")
        PUBLIC = "public", _("Public rental housing")
        NONE = "none", _("No stable housing")

    class Insurance(models.TextChoices):
        EMPLOYEE = "employee", _("Employee medical insurance")
        RESIDENT = "resident", _("Resident medical insurance")
        NONE = "none", _("None")

    LIVE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.FILED)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    employer = models.ForeignKey(
        "people.Unit", verbose_name=_("employer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    model_worker = models.CharField(_("model worker (劳模)"), max_length=10, choices=ModelWorker.choices, blank=True)
    housing = models.CharField(_("housing"), max_length=10, choices=Housing.choices, default=Housing.OWN)
    housing_area = models.DecimalField(_("housing area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True)
    medical_insurance = models.CharField(
        _("medical insurance"), max_length=10, choices=Insurance.choices, default=Insurance.EMPLOYEE
    )
    zero_employment = models.BooleanField(_("zero-employment household"), default=False)
    main_cause = models.CharField(_("main cause of hardship"), max_length=15, choices=Cause.choices)
    secondary_causes = ArrayField(
        models.CharField(max_length=15, choices=Cause.choices),
        verbose_name=_("secondary causes"),
        size=3,
        default=list,
        blank=True,
    )
    accident_note = models.CharField(_("what happened (for hardship by accident)"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_encrypted = models.TextField(blank=True, editable=False)
    bank_account_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # Computed by dossiers.services.assess (never typed in): income, tier and the reasons shown.
    household_size = models.PositiveSmallIntegerField(_("household size"), default=0, editable=False)
    monthly_household_income = models.DecimalField(
        _("monthly household income"), default=Decimal("0"), editable=False, **MONEY
    )
    per_capita_income = models.DecimalField(_("per-capita income"), default=Decimal("0"), editable=False, **MONEY)
    standard_year = models.PositiveSmallIntegerField(_("standard year"), null=True, blank=True, editable=False)
    standard_amount = models.DecimalField(_("standard"), null=True, blank=True, editable=False, **MONEY)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.NONE, editable=False)
    eligibility_reasons = models.JSONField(default=list, blank=True, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The applicant's blind index (HouseholdMember.id_index), copied here by dossiers.services so the database
    # itself keeps one live dossier per person and union (a partial unique index cannot span two tables).
    # Empty only for rows written outside the services (raw SQL, set-aside duplicates of migration 0006).
    applicant_index = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "tier"])]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_index"],
                # The live statuses (LIVE_STATUSES above; a test checks they agree).
                condition=models.Q(status__in=["draft", "submitted", "reviewed", "filed"])
                & ~models.Q(applicant_index=""),
                name="dossier_one_live_per_applicant",
            )
        ]

    def __str__(self):
        return f"#{self.pk} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def applicant(self):
        return next((m for m in self.members.all() if m.relation == HouseholdMember.Relation.APPLICANT), None)


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        OTHER = "other", _("Other relative")

    class Schooling(models.TextChoices):
        NONE = "", _("Not in school")
        PRESCHOOL = "preschool", _("Pre-school")
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior middle school")
        SENIOR = "senior", _("Senior middle school")
        VOCATIONAL = "vocational", _("Vocational school")
        COLLEGE = "college", _("College or university")

    class Health(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        HEALTHY = "healthy", _("Healthy")
        CHRONIC = "chronic", _("Chronic illness")
        SERIOUS = "serious", _("Serious illness")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="members")
    # The one record of this person in the union (core.people), shared with every other service they use.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="household_memberships"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField(editable=False)
    id_index = models.CharField(max_length=64, editable=False, db_index=True)
    id_masked = models.CharField(_("resident ID number"), max_length=18, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))], editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income"), default=Decimal("0"), validators=[MinValueValidator(0)], **MONEY
    )
    employed = models.BooleanField(_("employed"), default=False)
    schooling = models.CharField(_("schooling"), max_length=12, choices=Schooling.choices, blank=True)
    # Sensitive categories: saved only with a recorded consent (dossiers.services checks it).
    health = models.CharField(_("health"), max_length=10, choices=Health.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["dossier_id", "relation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=models.Q(relation="applicant"), name="member_one_applicant"
            ),
            models.UniqueConstraint(fields=["dossier", "id_index"], name="member_once_per_dossier"),
        ]

    def __str__(self):
        return self.name

    @property
    def age(self) -> int:
        """Age in whole years. Shown instead of the birth date, which together with the masked number (area code
        and last four characters) would give the whole ID number back."""
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def attachment_path(instance, filename: str) -> str:
    """Stored under the tenant's own media folder (TenantFileSystemStorage adds the schema) with a random name, so
    a path never carries a person's name or number."""
    suffix = Path(filename).suffix.lower()[:10]
    return f"dossiers/{instance.dossier_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A scanned document of a dossier. Served only through the dossier's own pages and API (never by a public
    media URL), so another tenant's host can never reach it."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    description = models.CharField(_("description"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["dossier_id", "uploaded_at"]

    def __str__(self):
        return self.name


class Consent(models.Model):
    class Category(models.TextChoices):
        HEALTH = "health", _("Health data")
        DISABILITY = "disability", _("Disability data")
        REFERRAL = "referral", _("Passing the case to another union")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="consents")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    given_by = models.CharField(_("given by"), max_length=50)
    evidence = models.CharField(_("evidence"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["dossier", "category"], name="consent_once_per_category")]

    def __str__(self):
        return f"{self.get_category_display()} ({self.given_by})"


class DossierTransition(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=Dossier.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Dossier.Status.choices)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dossier transition")
        verbose_name_plural = _("dossier transitions")
        ordering = ["dossier_id", "at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class IdNumberView(models.Model):
    """One full view of a resident ID number. Append-only (a trigger refuses UPDATE and DELETE)."""

    member_id = models.BigIntegerField()
    dossier_id = models.BigIntegerField()
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer_username = models.CharField(max_length=150)
    channel = models.CharField(max_length=20)  # page, api, export, print
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ID number view")
        verbose_name_plural = _("ID number views")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.viewer_username} {self.at:%Y-%m-%d %H:%M} #{self.dossier_id}"


class Assistance(models.Model):
    class Kind(models.TextChoices):
        LIVING = "living", _("Living assistance")
        MEDICAL = "medical", _("Medical assistance")
        SCHOOLING = "schooling", _("Children's schooling")
        EMPLOYMENT = "employment", _("Employment and skills training")
        ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")
        REFERRAL = "referral", _("Referral into government social assistance")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="assistance")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), default=Decimal("0"), validators=[MinValueValidator(0)], **MONEY)
    given_on = models.DateField(_("given on"), default=timezone.localdate)
    programme = models.CharField(_("programme"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    fund_account = models.ForeignKey(
        "stations.FundAccount", verbose_name=_("paid from"), null=True, blank=True, on_delete=models.PROTECT
    )
    fund_entry = models.OneToOneField(
        "stations.FundEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="assistance"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assistance")
        verbose_name_plural = _("assistance")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fund_account__isnull=True, fund_entry__isnull=True)
                | models.Q(fund_account__isnull=False, fund_entry__isnull=False, amount__gt=0),
                name="assistance_paid_from_fund_is_booked",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class Pairing(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pairings")
    cadre_name = models.CharField(_("cadre"), max_length=50)
    cadre_position = models.CharField(_("position"), max_length=100, blank=True)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-since"]

    def __str__(self):
        return self.cadre_name


class PairingVisit(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    note = models.TextField(_("note"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("pairing visit")
        verbose_name_plural = _("pairing visits")
        ordering = ["-visited_on"]

    def __str__(self):
        return f"{self.pairing} {self.visited_on}"


class ReviewCampaign(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    sample_share = models.DecimalField(
        _("spot-check share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=[MinValueValidator(Decimal("30")), MaxValueValidator(Decimal("100"))],
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class ReviewTask(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", _("Pending")
        KEEP = "keep", _("Keep")
        SUPPLEMENT = "supplement", _("Supplement")
        LIFT = "lift", _("Lift out of hardship")
        CANCEL = "cancel", _("Cancel")

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="tasks")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="review_tasks")
    in_sample = models.BooleanField(_("spot check"), default=False)
    unchanged_for_a_year = models.BooleanField(_("unchanged for a year"), default=False)
    never_assisted = models.BooleanField(_("never assisted"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        ordering = ["campaign_id", "dossier_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "dossier"], name="review_task_once"),
            models.CheckConstraint(
                condition=models.Q(outcome="") | (~models.Q(evidence="") & models.Q(decided_at__isnull=False)),
                name="review_outcome_has_evidence",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} #{self.dossier_id}"
