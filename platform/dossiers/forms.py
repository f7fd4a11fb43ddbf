"""Forms of the dossier pages. They only parse input: every rule, permission, scope check and the handling of ID
numbers live in ``dossiers.services``, whose ValidationErrors the views put back into these forms.

The household is a formset of ``MemberForm`` rows (prefix ``members``); a service error keyed ``members.N.field``
names the N-th member *sent* to the service, which ``member_rows`` maps back to the formset row it came from.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import past_record
from core.people.models import Unit
from dossiers import services
from dossiers.models import Assistance, Dossier, HouseholdMember, ReviewTask
from stations.models import FundAccount, Station

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = [("", "---------")]


# ------------------------------------------------------------------------------------------------ filing
class DossierForm(forms.ModelForm):
    """The household facts. The service fills and validates the dossier (``_post_clean`` is skipped)."""

    secondary_causes = forms.MultipleChoiceField(
        label=_("Secondary causes"),
        required=False,
        choices=Dossier.Cause.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At most three, other than the main cause."),
    )
    bank_account = forms.CharField(label=_("Bank account number"), required=False, max_length=40)
    field_order = [
        "employer", "station", "main_cause", "secondary_causes", "accident_note", "model_worker", "housing",
        "housing_area", "medical_insurance", "zero_employment", "bank_name", "bank_account",
    ]  # fmt: skip

    class Meta:
        model = Dossier
        fields = [f for f in services.DOSSIER_FIELDS if f != "secondary_causes"]
        widgets = {"accident_note": forms.TextInput(attrs={"size": 40})}

    def __init__(self, *args, units=None, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.all() if units is None else units
        self.fields["employer"].queryset = units.filter(kind=Unit.Kind.ENTERPRISE).order_by("name")
        self.fields["station"].queryset = (Station.objects.all() if stations is None else stations).order_by("name")
        if self.instance.pk:
            self.initial["secondary_causes"] = list(self.instance.secondary_causes or [])
            if self.instance.bank_account_last4:
                self.fields["bank_account"].help_text = _("Stored: ending in %(last4)s. Leave empty to keep it.") % {
                    "last4": self.instance.bank_account_last4
                }

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        data = {field: self.cleaned_data.get(field) for field in services.DOSSIER_FIELDS}
        for field in ("model_worker", "accident_note", "bank_name"):
            data[field] = (data[field] or "").strip()
        account = (self.cleaned_data.get("bank_account") or "").strip()
        if account or not self.instance.pk:
            data["bank_account"] = account
        return data


class MemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("Relation"), choices=BLANK + HouseholdMember.Relation.choices)
    name = forms.CharField(label=_("Name"), max_length=50, widget=forms.TextInput(attrs={"size": 8}))
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"size": 11}))
    monthly_income = forms.DecimalField(
        label=_("Monthly income"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "style": "width: 7em"}),
    )
    employed = forms.BooleanField(label=_("Employed"), required=False)
    schooling = forms.ChoiceField(label=_("Schooling"), choices=HouseholdMember.Schooling.choices, required=False)
    health = forms.ChoiceField(label=_("Health"), choices=HouseholdMember.Health.choices, required=False)
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=[("", _("None"))] + [(n, str(n)) for n in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.masked = masked  # the stored number, masked, of an existing member
        if masked:
            self.fields["id_number"].widget.attrs["placeholder"] = masked

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["monthly_income"] = data.get("monthly_income") or Decimal("0")
        data["id_number"] = (data.get("id_number") or "").strip()
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def __init__(self, *args, masked: list[str] | None = None, **kwargs):
        self.masked = masked or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.masked):
            kwargs["masked"] = self.masked[index]
        return kwargs


def member_formset(*, extra: int):
    return forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=extra, can_delete=True)


def member_initial(member: HouseholdMember) -> dict:
    """A stored member as a formset row; the ID number stays empty (it is never sent to the page in full)."""
    initial = {field: getattr(member, field) for field in services.MEMBER_FIELDS}
    initial["id_number"] = ""
    return initial


class ConsentForm(forms.Form):
    """Consent of the household for health and disability data (``Consent.Category``)."""

    health_given_by = forms.CharField(label=_("Health data: consent given by"), max_length=50, required=False)
    health_evidence = forms.CharField(label=_("Health data: evidence"), max_length=200, required=False)
    disability_given_by = forms.CharField(label=_("Disability data: consent given by"), max_length=50, required=False)
    disability_evidence = forms.CharField(label=_("Disability data: evidence"), max_length=200, required=False)

    CATEGORIES = ("health", "disability")

    @classmethod
    def initial_for(cls, dossier: Dossier) -> dict:
        initial = {}
        for consent in dossier.consents.all():
            if consent.category in cls.CATEGORIES:
                initial[f"{consent.category}_given_by"] = consent.given_by
                initial[f"{consent.category}_evidence"] = consent.evidence
        return initial

    def service_data(self) -> list[dict]:
        consents = []
        for category in self.CATEGORIES:
            given_by = (self.cleaned_data.get(f"{category}_given_by") or "").strip()
            evidence = (self.cleaned_data.get(f"{category}_evidence") or "").strip()
            if given_by or evidence:
                consents.append({"category": category, "given_by": given_by, "evidence": evidence})
        return consents


# -------------------------------------------------------------------------------------------------- detail
class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Next step"))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, steps, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(value, Dossier.Status(value).label) for value in steps]


class AssistanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BLANK + Assistance.Kind.choices)
    amount = forms.CharField(
        label=_("Amount (yuan)"), max_length=20, required=False, help_text=_("Empty for help in kind.")
    )
    given_on = forms.DateField(label=_("Given on"), required=False, widget=DATE_WIDGET, validators=[past_record])
    programme = forms.CharField(label=_("Programme"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    fund_account = forms.ModelChoiceField(
        label=_("Paid from"),
        queryset=FundAccount.objects.none(),
        required=False,
        help_text=_("Empty: not paid from a station fund."),
    )
    approver = forms.CharField(
        label=_("Approved by"), max_length=50, required=False, help_text=_("Required when paid from a fund.")
    )

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_account"].queryset = accounts.order_by("name")
        self.initial.setdefault("given_on", timezone.localdate())

    def clean_amount(self):
        value = self.cleaned_data.get("amount") or ""
        for char in (",", "，", "¥", "￥", " "):
            value = value.replace(char, "")
        return value or "0"

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        account = data.pop("fund_account")
        data["fund_account_id"] = account.pk if account else None
        return data


class RevealForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)


# -------------------------------------------------------------------------------------------- annual review
class StartReviewForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    sample_share = forms.DecimalField(
        label=_("Spot-check share (%)"),
        min_value=Decimal("30"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("30"),
        help_text=_("At least 30 %; kept as it was when the year's review is continued."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)


class ReviewFilterForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)
    flag = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[
            ("", _("All tasks")),
            ("in_sample", ReviewTask._meta.get_field("in_sample").verbose_name),
            ("unchanged_for_a_year", ReviewTask._meta.get_field("unchanged_for_a_year").verbose_name),
            ("never_assisted", ReviewTask._meta.get_field("never_assisted").verbose_name),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", _("All outcomes")), ("pending", _("Pending"))] + [
            (value, label) for value, label in ReviewTask.Outcome.choices if value
        ]

    def filter(self, tasks):
        data = self.cleaned_data if self.is_valid() else {}
        outcome = data.get("outcome")
        if outcome == "pending":
            tasks = tasks.filter(outcome="")
        elif outcome:
            tasks = tasks.filter(outcome=outcome)
        if data.get("flag"):
            tasks = tasks.filter(**{data["flag"]: True})
        return tasks


class DecideForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=BLANK + [(v, label) for v, label in ReviewTask.Outcome.choices if v]
    )
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2, "cols": 30}))


# ---------------------------------------------------------------------------------------- living standards
class LivingStandardForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    monthly_per_capita = forms.DecimalField(
        label=_("Standard per person and month (yuan)"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)
