"""The station half of the shared core (D-ST1 … D-ST8), living in each tenant's schema.

- ``Unit`` (the organisations inside a tenant) lives in ``core.people.models``; the stations point
  at it.
- ``Station``: an assistance station of one of three kinds (own, attached to a park/township/community station,
  virtual through 12351 / website / mailbox), with its hardware, staff, posted rules and service points; its
  ``checklist()`` says what is missing.
- ``CoverageTarget`` and ``StationPolicy``: the per-year targets and the tenant's settings (reception time limit).
- ``ReceptionRecord``: the four-haves register (登记 → 归档 → 办理 → 办结), each stage with who and when.
- ``FundAccount`` / ``FundEntry``: the station fund ledger — immutable entries (a database trigger refuses UPDATE
  and DELETE), an exact balance kept on the account row that a CHECK constraint keeps ≥ 0.

Rules and mutations live in ``stations.services``; these classes hold data, constraints and derived facts.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

OWN_STATION_MIN_EMPLOYEES = 200  # D-ST1
MIN_OFFICE_AREA = Decimal("10")  # D-ST3, square metres


class Station(models.Model):
    class Kind(models.TextChoices):
        OWN = "own", _("Own station")
        ATTACHED = "attached", _("Attached station (依托建设)")
        VIRTUAL = "virtual", _("Virtual station (12351 hotline, website, mailbox)")

    class CoLocation(models.TextChoices):
        NONE = "", _("Not co-located")
        UNION_OFFICE = "union_office", _("Union office")
        ACTIVITY_ROOM = "activity_room", _("Workers' activity room")
        WORKERS_HOME = "workers_home", _("Workers' home (职工之家)")
        READING_ROOM = "reading_room", _("Workers' reading room (职工书屋)")
        CLUB = "club", _("Workers' club")

    unit = models.ForeignKey("people.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="stations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("standard name"), max_length=200)
    # Attached stations rely on the own station of a park, township or community (依托建设).
    host_station = models.ForeignKey(
        "self",
        verbose_name=_("host station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attached_stations",
    )
    # Hardware (D-ST3)
    office_area = models.DecimalField(
        _("office area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    co_located_with = models.CharField(
        _("co-located with"), max_length=20, choices=CoLocation.choices, blank=True, default=""
    )
    has_service_window = models.BooleanField(_("service window"), default=False)
    has_sign = models.BooleanField(_("standard sign"), default=False)
    archive_and_it_ready = models.BooleanField(_("archive and IT equipment"), default=False)
    # Virtual stations (D-ST1)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    mailbox = models.CharField(_("service mailbox"), max_length=200, blank=True)
    # Staff (D-ST4)
    head_name = models.CharField(_("station head"), max_length=50, blank=True)
    # Rules posted on the wall (D-ST5)
    rule_duties = models.BooleanField(_("duties posted"), default=False)
    rule_content = models.BooleanField(_("assistance content posted"), default=False)
    rule_workflow = models.BooleanField(_("workflow posted"), default=False)
    rule_target_groups = models.BooleanField(_("target groups posted"), default=False)
    rule_application = models.BooleanField(_("application procedure posted"), default=False)
    rule_relief_standards = models.BooleanField(_("relief standards posted"), default=False)
    # Status and dates (D-ST2)
    is_pilot = models.BooleanField(_("pilot station"), default=False)
    is_exemplary = models.BooleanField(_("typical / exemplary"), default=False)
    established_on = models.DateField(_("established on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    RULE_FIELDS = (
        "rule_duties",
        "rule_content",
        "rule_workflow",
        "rule_target_groups",
        "rule_application",
        "rule_relief_standards",
    )

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="attached") | models.Q(host_station__isnull=False),
                name="station_attached_has_host",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="attached") | models.Q(host_station__isnull=True),
                name="station_only_attached_has_host",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("established_on")),
                name="station_closed_after_established",
            ),
        ]

    def __str__(self):
        return self.name

    def is_open_on(self, day) -> bool:
        return self.established_on <= day and (self.closed_on is None or self.closed_on > day)

    def checklist(self) -> list[dict]:
        """Every requirement of D-ST3 … D-ST5 that applies to this kind of station, with whether it is met."""
        items: list[tuple[str, str, bool]] = []
        if self.kind == self.Kind.OWN:
            office_ok = bool(self.co_located_with) or (self.office_area or 0) >= MIN_OFFICE_AREA
            items += [
                ("hardware", _("Office of at least 10 m², or co-located"), office_ok),
                ("hardware", _("Service window"), self.has_service_window),
                ("hardware", _("Standard sign"), self.has_sign),
                ("hardware", _("Archive and IT equipment"), self.archive_and_it_ready),
            ]
        if self.kind == self.Kind.VIRTUAL:
            items += [
                ("hardware", _("12351 hotline"), bool(self.hotline)),
                ("hardware", _("Website"), bool(self.website)),
                ("hardware", _("Service mailbox"), bool(self.mailbox)),
            ]
        staff = list(self.staff.all())
        items += [
            ("staff", _("Station head"), bool(self.head_name)),
            ("staff", _("At least one staff member"), bool(staff)),
        ]
        items += [("rules", self._meta.get_field(name).verbose_name, getattr(self, name)) for name in self.RULE_FIELDS]
        return [{"group": group, "item": str(label), "ok": bool(ok)} for group, label, ok in items]

    def missing(self) -> list[str]:
        return [row["item"] for row in self.checklist() if not row["ok"]]


class StationStaff(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("name"), max_length=50)
    full_time = models.BooleanField(_("full-time"), default=False)
    duty = models.CharField(_("duty"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("station staff member")
        verbose_name_plural = _("station staff")
        ordering = ["station_id", "-full_time", "name"]

    def __str__(self):
        return self.name


class ServicePoint(models.Model):
    """A sub-service point (帮扶服务点) of a station."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="service_points")
    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StationPolicy(models.Model):
    """The tenant's station settings (one row)."""

    reception_time_limit_days = models.PositiveSmallIntegerField(
        _("days to complete a reception record"), default=15, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("station policy")
        verbose_name_plural = _("station policy")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> StationPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class CoverageTarget(models.Model):
    """The share of above-size enterprises with a union that must have a station by the end of a year (D-ST2)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    share = models.DecimalField(
        _("target share (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share__gte=0) & models.Q(share__lte=100), name="coverage_target_share_range"
            )
        ]

    def __str__(self):
        return f"{self.year}: {self.share}%"


class ReceptionRecord(models.Model):
    """One visit in the four-haves register (D-ST6): registered → archived → handled → closed."""

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ARCHIVED = "archived", _("Archived")
        HANDLED = "handled", _("Handled / delivered")
        CLOSED = "closed", _("Closed")

    class Category(models.TextChoices):
        LIVING = "living", _("Living hardship")
        MEDICAL = "medical", _("Medical")
        SCHOOLING = "schooling", _("Children's schooling")
        EMPLOYMENT = "employment", _("Employment and training")
        RIGHTS = "rights", _("Rights and legal matters")
        POLICY = "policy", _("Policy consultation")
        OTHER = "other", _("Other")

    STAGE_ORDER = [Stage.REGISTERED, Stage.ARCHIVED, Stage.HANDLED, Stage.CLOSED]

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="receptions")
    visitor_name = models.CharField(_("visitor"), max_length=50)
    visitor_phone = models.CharField(_("phone"), max_length=20, blank=True)
    employer = models.ForeignKey(
        "people.Unit", verbose_name=_("employer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    request = models.TextField(_("request"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.REGISTERED)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    archive_ref = models.CharField(_("archive reference"), max_length=50, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    action_taken = models.TextField(_("what was done"), blank=True)
    handler_name = models.CharField(_("handled by"), max_length=50, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    completion_report = models.TextField(_("completion report"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The worker's dossier, when the visitor has one (kept when the dossier leaves: the link is cleared).
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="receptions",
    )

    class Meta:
        verbose_name = _("reception record")
        verbose_name_plural = _("reception records")
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["stage", "visited_at"])]
        constraints = [
            # Each stage needs the ones before it: the register cannot skip a stage, even by a raw UPDATE.
            models.CheckConstraint(
                condition=models.Q(stage="registered")
                | (models.Q(archived_at__isnull=False) & ~models.Q(archive_ref="")),
                name="reception_archived_needs_archive",
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=["registered", "archived"])
                | (models.Q(handled_at__isnull=False) & ~models.Q(action_taken="")),
                name="reception_handled_needs_action",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage="closed")
                | (models.Q(closed_at__isnull=False) & ~models.Q(completion_report="")),
                name="reception_closed_needs_report",
            ),
        ]

    def __str__(self):
        return f"{self.visitor_name} @ {self.station} ({self.get_stage_display()})"

    def due_date(self, policy: StationPolicy | None = None):
        policy = policy or StationPolicy.current()
        return timezone.localdate(self.visited_at) + timedelta(days=policy.reception_time_limit_days)

    def is_overdue(self, today=None, policy: StationPolicy | None = None) -> bool:
        if self.stage == self.Stage.CLOSED:
            return False
        return (today or timezone.localdate()) > self.due_date(policy)

    def next_stage(self):
        index = self.STAGE_ORDER.index(self.stage)
        return self.STAGE_ORDER[index + 1] if index + 1 < len(self.STAGE_ORDER) else None


class FundAccount(models.Model):
    """A station's fund, or the tenant union's own (no station)."""

    station = models.OneToOneField(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.PROTECT, related_name="fund"
    )
    name = models.CharField(_("name"), max_length=200)
    # Kept by stations.services in the same transaction as each entry, under a row lock.
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund account")
        verbose_name_plural = _("fund accounts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="fund_balance_not_negative"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(station__isnull=True), name="fund_union_account_unique_name"
            ),
        ]

    def __str__(self):
        return self.name


class FundEntry(models.Model):
    """One immutable line of the ledger. ``amount`` is signed: income > 0, expenditure < 0; a correction is a new
    entry that reverses an earlier one (``reverses``)."""

    class Kind(models.TextChoices):
        INCOME = "income", _("Income")
        EXPENDITURE = "expenditure", _("Expenditure")
        REVERSAL = "reversal", _("Reversal")

    class Source(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise administration")
        UPPER_UNION = "upper_union", _("Upper-level union allocation")
        UNION_FUNDS = "union_funds", _("Share of union funds")
        DONATION = "donation", _("Internal donation")
        NAMED_DONATION = "named_donation", _("Named donation (冠名帮扶)")
        PAIRED_DONATION = "paired_donation", _("Paired donation (结对帮扶)")

    account = models.ForeignKey(
        FundAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    approver = models.CharField(_("approved by"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    booked_on = models.DateField(_("booked on"), default=timezone.localdate)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["account_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="fund_entry_amount_not_zero"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="fund_entry_balance_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(kind="income") | (models.Q(amount__gt=0) & ~models.Q(source="")),
                name="fund_income_positive_with_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="expenditure")
                | (models.Q(amount__lt=0) & ~models.Q(purpose="") & ~models.Q(approver="")),
                name="fund_expenditure_negative_with_purpose",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="fund_reversal_names_entry",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"
