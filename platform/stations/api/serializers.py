"""Serializers of the station API.

Input serializers only check shapes and types; the rules (scope, stage order, balances, coverage) are the
services'. Money is always a string with two decimals, never a float.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import money
from core.dates import past_founding, past_record
from core.people.models import Unit
from core.people.validators import normalize_uscc
from stations import services
from stations.models import FundAccount, FundEntry, ReceptionRecord, ServicePoint, Station, StationPolicy, StationStaff


# ------------------------------------------------------------------------------------------------- units
class CreditCodeField(serializers.CharField):
    """Normalised (stripped, upper case) before the model's validators and the uniqueness check run, as the
    service stores it, so that a lower-case duplicate is caught on the field too."""

    def to_internal_value(self, data):
        return normalize_uscc(super().to_internal_value(data))


class UnitSerializer(serializers.ModelSerializer):
    """A unit with its coverage: what D-ST1 requires of it and whether its open stations satisfy that."""

    requirement = serializers.SerializerMethodField()
    requirement_label = serializers.SerializerMethodField()
    station_kinds = serializers.SerializerMethodField()
    complies = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            *services.UNIT_FIELDS,
            "created_at",
            "requirement",
            "requirement_label",
            "station_kinds",
            "complies",
        ]
        read_only_fields = ["id", "created_at"]

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return (CreditCodeField if field_name == "credit_code" else field_class), kwargs

    def _compliance(self, unit: Unit) -> services.Compliance:
        cached = getattr(unit, "_api_compliance", None)
        if cached is None:
            # The view prefetches the open stations of a page in one query (`open_stations`); a unit fetched
            # otherwise (just saved) asks for its own.
            open_stations = getattr(unit, "open_stations", None)
            kinds = None if open_stations is None else tuple(sorted({s.kind for s in open_stations}))
            cached = unit._api_compliance = services.unit_compliance(unit, kinds=kinds)
        return cached

    @extend_schema_field(serializers.ChoiceField(choices=[r.value for r in services.Requirement]))
    def get_requirement(self, unit) -> str:
        return self._compliance(unit).requirement.value

    def get_requirement_label(self, unit) -> str:
        return self._compliance(unit).requirement_label

    def get_station_kinds(self, unit) -> list[str]:
        return list(self._compliance(unit).station_kinds)

    def get_complies(self, unit) -> bool:
        return self._compliance(unit).complies


# ---------------------------------------------------------------------------------------------- stations
class StationStaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = StationStaff
        fields = ["id", "name", "full_time", "duty"]
        read_only_fields = fields


class ServicePointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePoint
        fields = ["id", "name", "location"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.Serializer):
    group = serializers.CharField(read_only=True)
    item = serializers.CharField(read_only=True)
    ok = serializers.BooleanField(read_only=True)


class StationSerializer(serializers.ModelSerializer):
    """A station with what it still lacks (D-ST3 … D-ST5). Leave `name` empty to get the standard name."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    staff = StationStaffSerializer(many=True, read_only=True)
    service_points = ServicePointSerializer(many=True, read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            *services.STATION_FIELDS,
            "unit_name",
            "created_at",
            "staff",
            "service_points",
            "checklist",
            "missing",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"established_on": {"validators": [past_founding]}, "closed_on": {"validators": [past_founding]}}


# --------------------------------------------------------------------------------------------- reception
class ReceptionRecordSerializer(serializers.ModelSerializer):
    """A visit in the four-haves register with who moved it through each stage, and when."""

    station_name = serializers.CharField(source="station.name", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    due_date = serializers.SerializerMethodField()
    registered_by_username = serializers.CharField(source="registered_by.username", read_only=True)
    archived_by_username = serializers.CharField(source="archived_by.username", read_only=True, allow_null=True)
    handled_by_username = serializers.CharField(source="handled_by.username", read_only=True, allow_null=True)
    closed_by_username = serializers.CharField(source="closed_by.username", read_only=True, allow_null=True)

    class Meta:
        model = ReceptionRecord
        fields = [
            "id",
            "station",
            "station_name",
            "visitor_name",
            "visitor_phone",
            "employer",
            "dossier_id",
            "visited_at",
            "category",
            "request",
            "stage",
            "is_overdue",
            "due_date",
            "registered_by",
            "registered_by_username",
            "registered_at",
            "archive_ref",
            "archived_by",
            "archived_by_username",
            "archived_at",
            "action_taken",
            "handler_name",
            "referred_to",
            "handled_by",
            "handled_by_username",
            "handled_at",
            "completion_report",
            "closed_by",
            "closed_by_username",
            "closed_at",
        ]
        read_only_fields = fields

    def _policy(self):
        policy = self.context.get("policy")
        if policy is None:
            policy = self.context["policy"] = StationPolicy.current()
        return policy

    def get_is_overdue(self, record) -> bool:
        return record.is_overdue(policy=self._policy())

    def get_due_date(self, record) -> date:
        return record.due_date(self._policy())


class ReceptionRegisterSerializer(serializers.Serializer):
    """Stage 1: register a visit. `visited_at` defaults to now."""

    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    visitor_name = serializers.CharField(max_length=50)
    visitor_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    dossier_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None, validators=[past_record])
    category = serializers.ChoiceField(choices=ReceptionRecord.Category.choices)
    request = serializers.CharField()


# The services say which fields each stage requires (and check the stage first), so these accept blanks.
class ReceptionArchiveSerializer(serializers.Serializer):
    archive_ref = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class ReceptionHandleSerializer(serializers.Serializer):
    action_taken = serializers.CharField(required=False, allow_blank=True, default="")
    handler_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    referred_to = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReceptionCloseSerializer(serializers.Serializer):
    completion_report = serializers.CharField(required=False, allow_blank=True, default="")


# ------------------------------------------------------------------------------------------------- funds
class FundAccountSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True, allow_null=True)
    balance = money(read_only=True)

    class Meta:
        model = FundAccount
        fields = ["id", "name", "station", "station_name", "balance", "created_at"]
        read_only_fields = fields


class FundAccountCreateSerializer(serializers.Serializer):
    """Open a station's account, or (tenant administrator) the union's own account with no station."""

    name = serializers.CharField(max_length=200)
    station = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.all(), required=False, allow_null=True, default=None
    )


class FundEntrySerializer(serializers.ModelSerializer):
    """One immutable ledger line; `amount` is signed (expenditure < 0) and, like every sum, a string."""

    amount = money(read_only=True)
    balance_after = money(read_only=True)
    reversed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    created_by_username = serializers.CharField(source="created_by.username", read_only=True)
    # Blank on expenditures and reversals (only income has a source): the enum says so.
    source = serializers.ChoiceField(choices=FundEntry.Source.choices, allow_blank=True, read_only=True)

    class Meta:
        model = FundEntry
        fields = [
            "id",
            "account",
            "kind",
            "amount",
            "balance_after",
            "source",
            "donor",
            "purpose",
            "approver",
            "note",
            "booked_on",
            "reverses",
            "reversed_by",
            "created_by",
            "created_by_username",
            "created_at",
        ]
        read_only_fields = fields


class FundIncomeSerializer(serializers.Serializer):
    amount = money(help_text="A positive amount with at most two decimals, as a string: “1200.50”.")
    source = serializers.ChoiceField(choices=FundEntry.Source.choices)
    donor = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    booked_on = serializers.DateField(required=False, allow_null=True, default=None, validators=[past_record])


class FundExpenditureSerializer(serializers.Serializer):
    amount = money(help_text="A positive amount with at most two decimals, as a string: “300.00”.")
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    approver = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    booked_on = serializers.DateField(required=False, allow_null=True, default=None, validators=[past_record])


class FundReversalSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------- coverage
class CoverageQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1950, max_value=2100)


class CoverageSerializer(serializers.Serializer):
    """D-ST2: above-size enterprises with a union (`required`), how many have an open station on `on_day`
    (`covered`), the share in percent against the year's target (null when there is nothing to measure)."""

    year = serializers.IntegerField()
    on_day = serializers.DateField()
    required = serializers.IntegerField()
    covered = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, allow_null=True)
    target = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
