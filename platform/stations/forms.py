"""Forms of the station pages. They only parse input: every rule, permission and scope check lives in
``stations.services``, whose ValidationErrors the views put back into these forms (``core.views.form_errors_from``).

The model forms below skip Django's model validation (``_post_clean``) on purpose: the services fill the instance,
propose the standard station name, and validate it once, with the domain's own messages.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import past_founding, past_record
from core.people.models import Unit
from stations import services
from stations.models import CoverageTarget, FundEntry, ReceptionRecord, Station

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


# Dates the model forms take that record what happened (core.dates: not in the future, not before a floor).
PAST_DATE_FIELDS = {"established_on": past_founding, "closed_on": past_founding}


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    field = model_field.formfield(**kwargs)
    if field is not None and model_field.name in PAST_DATE_FIELDS:
        field.validators.append(PAST_DATE_FIELDS[model_field.name])
    return field


class ServiceValidatedModelForm(forms.ModelForm):
    """A model form whose instance is filled and validated by a service, not by the form."""

    def _post_clean(self):
        pass


# ------------------------------------------------------------------------------------------------- units
class UnitForm(ServiceValidatedModelForm):
    class Meta:
        model = Unit
        fields = services.UNIT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Unit.objects.order_by("name")
        if self.instance.pk:
            # Below itself is refused by the service too; this only keeps the obvious mistake out of the list.
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["credit_code"].help_text = _("Enterprises only: 18 characters.")


# ----------------------------------------------------------------------------------------------- stations
class StationForm(ServiceValidatedModelForm):
    class Meta:
        model = Station
        fields = services.STATION_FIELDS
        widgets = {"established_on": DATE_WIDGET, "closed_on": DATE_WIDGET}
        formfield_callback = _formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.order_by("name")
        hosts = Station.objects.filter(kind=Station.Kind.OWN, unit__kind__in=services.HOST_UNIT_KINDS).order_by("name")
        if self.instance.pk:
            hosts = hosts.exclude(pk=self.instance.pk)
        self.fields["host_station"].queryset = hosts
        self.fields["host_station"].help_text = _(
            "Attached stations only: the own station of a park, township or community."
        )
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Leave empty to use the standard name proposed from the unit.")
        if not self.instance.pk and not self.initial.get("established_on"):
            self.initial["established_on"] = timezone.localdate()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()


# ---------------------------------------------------------------------------------------------- coverage
class CoverageTargetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    share = forms.DecimalField(
        label=_("Target share (%)"), min_value=Decimal("0"), max_value=Decimal("100"), max_digits=5, decimal_places=2
    )


class DefaultTargetsForm(forms.Form):
    start_year = forms.IntegerField(
        label=_("First year"),
        min_value=2000,
        max_value=2100,
        help_text=_("First year 50%, second year 75%, third year 100%; existing years are kept."),
    )


def year_choices(today: date | None = None) -> list[int]:
    """Years with a target, and the current one."""
    current = (today or timezone.localdate()).year
    return sorted({current, *CoverageTarget.objects.values_list("year", flat=True)}, reverse=True)


# ---------------------------------------------------------------------------------------------- reception
class ReceptionForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    visitor_name = forms.CharField(label=_("Visitor"), max_length=50)
    visitor_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Unit.objects.none(), required=False)
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=DATETIME_WIDGET, validators=[past_record])
    category = forms.ChoiceField(label=_("Category"), choices=ReceptionRecord.Category.choices)
    request = forms.CharField(label=_("Request"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, stations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        open_now = Q(closed_on__isnull=True) | Q(closed_on__gt=today)
        self.fields["station"].queryset = stations.filter(open_now).order_by("name")
        self.fields["employer"].queryset = Unit.objects.filter(kind=Unit.Kind.ENTERPRISE).order_by("name")
        self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))


class ArchiveForm(forms.Form):
    archive_ref = forms.CharField(label=_("Archive reference"), max_length=50)


class HandleForm(forms.Form):
    action_taken = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    handler_name = forms.CharField(
        label=_("Handled by"), max_length=50, required=False, help_text=_("Empty: your own name.")
    )
    referred_to = forms.CharField(label=_("Referred to"), max_length=200, required=False)


class CloseForm(forms.Form):
    completion_report = forms.CharField(label=_("Completion report"), widget=forms.Textarea(attrs={"rows": 4}))


# The next stage's form and service, by the stage a record is in now.
STAGE_ACTIONS = {
    ReceptionRecord.Stage.REGISTERED: ("archive", ArchiveForm, services.archive_visit),
    ReceptionRecord.Stage.ARCHIVED: ("handle", HandleForm, services.handle_visit),
    ReceptionRecord.Stage.HANDLED: ("close", CloseForm, services.close_visit),
}
ACTIONS = {action: (form_class, service) for action, form_class, service in STAGE_ACTIONS.values()}


# -------------------------------------------------------------------------------------------------- funds
class AmountField(forms.CharField):
    """Money typed by a person: "1,200.50", "¥ 80" → Decimal("1200.50"), checked by ``services.parse_amount``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Amount (yuan)"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        cleaned = value.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "")
        try:
            return services.parse_amount(cleaned)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["amount"]) from None


class IncomeForm(forms.Form):
    amount = AmountField()
    source = forms.ChoiceField(label=_("Source"), choices=FundEntry.Source.choices)
    donor = forms.CharField(
        label=_("Donor"), max_length=200, required=False, help_text=_("Required for named and paired donations.")
    )
    booked_on = forms.DateField(label=_("Booked on"), required=False, widget=DATE_WIDGET, validators=[past_record])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ExpenditureForm(forms.Form):
    amount = AmountField()
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    approver = forms.CharField(label=_("Approved by"), max_length=50)
    booked_on = forms.DateField(label=_("Booked on"), required=False, widget=DATE_WIDGET, validators=[past_record])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReversalForm(forms.Form):
    entry = forms.TypedChoiceField(label=_("Entry"), coerce=int)
    note = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, entries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", "---------")] + [
            (entry.pk, f"#{entry.pk} · {entry.booked_on:%Y-%m-%d} · {entry.get_kind_display()} · {entry.amount_text}")
            for entry in entries
        ]


class OpenAccountForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("Empty: the union's own account (tenant administrator only)."),
    )
    name = forms.CharField(label=_("Account name"), max_length=200, required=False)

    def __init__(self, stations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations.filter(fund__isnull=True).order_by("name")

    def clean(self):
        data = super().clean()
        if not (data.get("name") or "").strip() and data.get("station") is not None:
            data["name"] = data["station"].name
        return data


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, widget=forms.TextInput(attrs={"placeholder": _("Name")}))
    duty = forms.CharField(label=_("Duty"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("Duty")}))  # fmt: skip
    full_time = forms.BooleanField(label=_("Full-time"), required=False)


class ServicePointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("Name")}))
    location = forms.CharField(label=_("Location"), max_length=200, required=False,
                               widget=forms.TextInput(attrs={"placeholder": _("Location")}))  # fmt: skip
