"""Serializers of the dossier API.

Input serializers check shapes and types only; the rules (ID numbers, consent, lifecycle, eligibility, scope) are
``dossiers.services``'. Output never carries a full resident ID number (members show ``id_masked``) nor a full bank
account (only its last four digits); the one way to a full ID number is the audited reveal endpoint. Money is
always a string with two decimals.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import money
from core.dates import past_record
from core.people.models import Unit
from core.pii import validate_resident_id
from dossiers import services
from dossiers.models import (
    Assistance,
    Consent,
    Dossier,
    DossierTransition,
    HouseholdMember,
    LivingStandard,
    Pairing,
    PairingVisit,
    ReviewCampaign,
    ReviewTask,
)
from stations.api.serializers import FundEntrySerializer
from stations.models import FundAccount, Station


def _username(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"{field}.username", read_only=True, allow_null=True)


# ------------------------------------------------------------------------------------------------ output
class MemberSerializer(serializers.ModelSerializer):
    """A household member; the resident ID number only masked (`511102********123X`)."""

    monthly_income = money(read_only=True)
    # Never the birth date: with the masked number it would give the whole ID number back.
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = HouseholdMember
        fields = [
            "id",
            "relation",
            "name",
            "id_masked",
            "age",
            "sex",
            "phone",
            "monthly_income",
            "employed",
            "schooling",
            "health",
            "disability_grade",
        ]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    recorded_by_username = _username("recorded_by")

    class Meta:
        model = Consent
        fields = ["id", "category", "given_by", "evidence", "recorded_by_username", "recorded_at"]
        read_only_fields = fields


class TransitionSerializer(serializers.ModelSerializer):
    by_username = _username("by")
    # Blank on the first transition (a new draft comes from nowhere): the enum says so.
    from_status = serializers.ChoiceField(choices=Dossier.Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = DossierTransition
        fields = ["id", "from_status", "to_status", "reason", "by_username", "at"]
        read_only_fields = fields


class EligibilitySerializer(serializers.Serializer):
    """How the tier was computed: per-capita income against the minimum-living standard of the year."""

    tier = serializers.ChoiceField(choices=Dossier.Tier.choices, read_only=True)
    household_size = serializers.IntegerField(read_only=True)
    monthly_household_income = money(read_only=True)
    per_capita_income = money(read_only=True)
    standard_year = serializers.IntegerField(read_only=True, allow_null=True)
    standard_amount = money(read_only=True, allow_null=True)
    reasons = serializers.SerializerMethodField()

    def get_reasons(self, dossier) -> list[str]:
        return services.reason_texts(dossier)


class AssistanceSerializer(serializers.ModelSerializer):
    """Help given; `fund_entry` is the ledger line when it was paid from a station fund."""

    amount = money(read_only=True)
    fund_entry = FundEntrySerializer(read_only=True, allow_null=True)
    recorded_by_username = _username("recorded_by")

    class Meta:
        model = Assistance
        fields = [
            "id",
            "dossier",
            "kind",
            "amount",
            "given_on",
            "programme",
            "note",
            "fund_account",
            "fund_entry",
            "recorded_by_username",
            "recorded_at",
        ]
        read_only_fields = fields


class DossierListSerializer(serializers.ModelSerializer):
    """One row of the dossier list: the applicant's name and masked ID number, status and tier."""

    employer_name = serializers.CharField(source="employer.name", read_only=True, allow_null=True)
    station_name = serializers.CharField(source="station.name", read_only=True, allow_null=True)
    applicant_name = serializers.SerializerMethodField()
    applicant_id_masked = serializers.SerializerMethodField()
    per_capita_income = money(read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "id",
            "status",
            "tier",
            "main_cause",
            "employer",
            "employer_name",
            "station",
            "station_name",
            "applicant_name",
            "applicant_id_masked",
            "household_size",
            "per_capita_income",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_applicant_name(self, dossier) -> str:
        applicant = dossier.applicant()
        return applicant.name if applicant else ""

    def get_applicant_id_masked(self, dossier) -> str:
        applicant = dossier.applicant()
        return applicant.id_masked if applicant else ""


class ContinuitySerializer(serializers.Serializer):
    months = serializers.IntegerField()
    months_helped = serializers.IntegerField()
    longest_run = serializers.IntegerField()
    first = serializers.DateField(allow_null=True)
    last = serializers.DateField(allow_null=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    times = serializers.IntegerField()


class PairingVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = PairingVisit
        fields = ["id", "visited_on", "note"]
        read_only_fields = fields


class PairingSerializer(serializers.ModelSerializer):
    visits = PairingVisitSerializer(many=True, read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "cadre_name", "cadre_position", "since", "until", "visits"]
        read_only_fields = fields


class AlsoInSerializer(serializers.Serializer):
    """A member of this household who also belongs to another live dossier of the union (a warning)."""

    member = serializers.IntegerField(help_text="The member's id in this dossier.")
    name = serializers.CharField()
    dossier = serializers.IntegerField(help_text="The other live dossier's id.")


class DossierSerializer(DossierListSerializer):
    """A whole dossier: household facts, members (ID numbers masked), consents, history, eligibility and the
    assistance given. Of the bank account only the last four digits are shown."""

    housing_area = serializers.DecimalField(max_digits=7, decimal_places=1, read_only=True, allow_null=True)
    filed_by_username = _username("filed_by")
    reviewed_by_username = _username("reviewed_by")
    members = MemberSerializer(many=True, read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)
    eligibility = EligibilitySerializer(source="*", read_only=True)
    assistance = AssistanceSerializer(many=True, read_only=True)
    continuity = serializers.SerializerMethodField()
    pairings = serializers.SerializerMethodField()
    also_in_live_dossiers = serializers.SerializerMethodField()

    class Meta(DossierListSerializer.Meta):
        fields = [
            "id",
            "status",
            "tier",
            *services.DOSSIER_FIELDS,
            "employer_name",
            "station_name",
            "applicant_name",
            "applicant_id_masked",
            "bank_account_last4",
            "household_size",
            "per_capita_income",
            "filed_by_username",
            "reviewed_by_username",
            "created_at",
            "updated_at",
            "members",
            "consents",
            "transitions",
            "eligibility",
            "assistance",
            "continuity",
            "pairings",
            "also_in_live_dossiers",
        ]
        read_only_fields = fields

    @extend_schema_field(AlsoInSerializer(many=True))
    def get_also_in_live_dossiers(self, dossier) -> list:
        return AlsoInSerializer(services.household_also_in(dossier), many=True).data

    @extend_schema_field(ContinuitySerializer)
    def get_continuity(self, dossier) -> dict:
        return ContinuitySerializer(services.assistance_continuity(dossier)).data

    @extend_schema_field(PairingSerializer(many=True))
    def get_pairings(self, dossier) -> list:
        return PairingSerializer(dossier.pairings.prefetch_related("visits"), many=True).data


# ------------------------------------------------------------------------------------------------- input
class MemberInputSerializer(serializers.Serializer):
    """A household member as typed in. `id_number` (18 characters, or 15 for an old card) is write-only: it is
    validated, encrypted and from then on shown masked."""

    relation = serializers.ChoiceField(choices=HouseholdMember.Relation.choices)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30, write_only=True, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    monthly_income = money(required=False, help_text="Monthly income as a string: “900.00”.")
    employed = serializers.BooleanField(required=False)
    schooling = serializers.ChoiceField(choices=HouseholdMember.Schooling.choices, required=False, allow_blank=True)
    health = serializers.ChoiceField(
        choices=HouseholdMember.Health.choices,
        required=False,
        allow_blank=True,
        help_text="Saved only when the household's health consent is recorded.",
    )
    disability_grade = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=4,
        help_text="Saved only when the household's disability consent is recorded.",
    )


class ConsentInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Consent.Category.choices)
    given_by = serializers.CharField(max_length=50)
    evidence = serializers.CharField(max_length=200)


class DossierInputSerializer(serializers.Serializer):
    """Open (POST) or change (PATCH, drafts only) a dossier. On PATCH, `members` replaces the whole household;
    fields left out stay as they are. Income, tier and reasons are computed, never typed in."""

    employer = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False, allow_null=True)
    model_worker = serializers.ChoiceField(choices=Dossier.ModelWorker.choices, required=False, allow_blank=True)
    housing = serializers.ChoiceField(choices=Dossier.Housing.choices, required=False)
    housing_area = serializers.DecimalField(max_digits=7, decimal_places=1, required=False, allow_null=True)
    medical_insurance = serializers.ChoiceField(choices=Dossier.Insurance.choices, required=False)
    zero_employment = serializers.BooleanField(required=False)
    main_cause = serializers.ChoiceField(choices=Dossier.Cause.choices)
    secondary_causes = serializers.ListField(
        child=serializers.ChoiceField(choices=Dossier.Cause.choices), required=False, max_length=3
    )
    accident_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bank_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    bank_account = serializers.CharField(
        max_length=40, required=False, allow_blank=True, write_only=True, help_text="Shown later as its last 4 only."
    )
    members = MemberInputSerializer(many=True)
    consents = ConsentInputSerializer(many=True, required=False)

    def split(self) -> tuple[dict, list[dict] | None, list[dict]]:
        """(dossier fields, members or None, consents) from the validated data, as the services take them."""
        data = dict(self.validated_data)
        members = data.pop("members", None)
        consents = data.pop("consents", [])
        return data, members, consents


class TransitionInputSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Dossier.Status.choices)
    reason = serializers.CharField(max_length=500, allow_blank=True)


class RevealedIdSerializer(serializers.Serializer):
    id_number = serializers.CharField(read_only=True)


class LookupSerializer(serializers.Serializer):
    """The number goes in the body, never in a URL (URLs end up in logs)."""

    id_number = serializers.CharField(max_length=30, write_only=True, validators=[validate_resident_id])


class AssistanceInputSerializer(serializers.Serializer):
    """Help given to a filed household. With `fund_account`, the amount is booked as an expenditure of that station
    fund (an `approver` is then required); without, an amount of 0 records help in kind."""

    kind = serializers.ChoiceField(choices=Assistance.Kind.choices)
    amount = money(required=False, help_text="As a string: “800.00”; 0 for help in kind.")
    given_on = serializers.DateField(required=False, allow_null=True, validators=[past_record])
    programme = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    fund_account = serializers.PrimaryKeyRelatedField(
        queryset=FundAccount.objects.all(), required=False, allow_null=True
    )
    approver = serializers.CharField(max_length=50, required=False, allow_blank=True)

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        account = data.pop("fund_account", None)
        data["fund_account_id"] = account.pk if account else None
        return data


# ---------------------------------------------------------------------------------------- living standard
class LivingStandardSerializer(serializers.ModelSerializer):
    monthly_per_capita = money(help_text="Per person and month, as a string: “450.00”.")
    year = serializers.IntegerField(min_value=1950, max_value=2100)

    class Meta:
        model = LivingStandard
        fields = ["id", "year", "monthly_per_capita"]
        read_only_fields = ["id"]


class LivingStandardResultSerializer(LivingStandardSerializer):
    """The standard as set, and how many live dossiers changed tier because of it."""

    changed_tiers = serializers.IntegerField(read_only=True)

    class Meta(LivingStandardSerializer.Meta):
        fields = [*LivingStandardSerializer.Meta.fields, "changed_tiers"]


# ------------------------------------------------------------------------------------------ annual review
class ReviewProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    decided = serializers.IntegerField()
    in_sample = serializers.IntegerField()
    unchanged_for_a_year = serializers.IntegerField()
    never_assisted = serializers.IntegerField()
    percent = serializers.IntegerField()


class ReviewCampaignSerializer(serializers.ModelSerializer):
    sample_share = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, read_only=True)
    started_by_username = _username("started_by")

    class Meta:
        model = ReviewCampaign
        fields = ["id", "year", "sample_share", "started_by_username", "started_at"]
        read_only_fields = fields


class ReviewCampaignDetailSerializer(ReviewCampaignSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(ReviewCampaignSerializer.Meta):
        fields = [*ReviewCampaignSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(ReviewProgressSerializer)
    def get_progress(self, campaign):
        return ReviewProgressSerializer(services.review_progress(campaign)).data


class ReviewCampaignInputSerializer(serializers.Serializer):
    """Start the year's review, or continue it: a second request for the same year returns the same campaign."""

    year = serializers.IntegerField(min_value=1950, max_value=2100)
    sample_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Spot-check share in percent (30 to 100)."
    )


class ReviewTaskSerializer(serializers.ModelSerializer):
    dossier_status = serializers.ChoiceField(source="dossier.status", choices=Dossier.Status.choices, read_only=True)
    applicant_name = serializers.SerializerMethodField()
    decided_by_username = _username("decided_by")

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "campaign",
            "dossier",
            "dossier_status",
            "applicant_name",
            "in_sample",
            "unchanged_for_a_year",
            "never_assisted",
            "outcome",
            "evidence",
            "decided_by_username",
            "decided_at",
        ]
        read_only_fields = fields

    def get_applicant_name(self, task) -> str:
        applicant = task.dossier.applicant()
        return applicant.name if applicant else ""


class ReviewDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewTask.Outcome.choices, help_text="keep, supplement, lift or cancel.")
    evidence = serializers.CharField(allow_blank=True)
