"""Pages of the assessment (考核, D-MU2). Municipal union: the indicators and every county's score with its inputs,
the inbox of demonstration-station nominations with decide forms, item-by-item station inspections. County union:
its nominations and their state, and a form to nominate one of its stations. Thin views over
``assessment.services``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment import services
from assessment.models import Indicator
from core.access import has_permission
from core.dates import query_year
from core.pages import form_errors_from, tenant_page
from core.roles import Perm
from stations.permissions import StationsPerm
from tenants.models import Tenant

app_name = "assessment"


class IndicatorForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    formula = forms.ChoiceField(label=gettext_lazy("Formula"), choices=Indicator.Formula.choices)
    metric = forms.CharField(label=gettext_lazy("Metric"), max_length=100, help_text="stations.coverage")
    dims = forms.JSONField(label=gettext_lazy("Dimensions filter"), required=False, initial=dict)
    denominator_metric = forms.CharField(label=gettext_lazy("Denominator metric"), max_length=100, required=False)
    denominator_dims = forms.JSONField(label=gettext_lazy("Denominator dimensions filter"), required=False)
    target = forms.DecimalField(label=gettext_lazy("Target"), min_value=0, max_digits=20, decimal_places=2)
    weight = forms.DecimalField(label=gettext_lazy("Weight"), min_value=0, max_digits=7, decimal_places=2)


class DecideForm(forms.Form):
    designate = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Designate")), ("0", gettext_lazy("Decline"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NominateForm(forms.Form):
    station_id = forms.TypedChoiceField(label=gettext_lazy("Station"), coerce=int, choices=())
    reason = forms.CharField(label=gettext_lazy("Why it is exemplary"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station_id"].choices = services.stations_of(tenant)


def _year(request) -> int:
    return query_year(request.GET)


def _municipal(request):
    if not request.tenant.is_municipal:
        raise Http404
    return request.tenant


@tenant_page(Perm.VIEW_ROLLUPS)
def scores(request):
    """The indicators of a year and every county union's score, with the inputs behind each score."""
    user, tenant, year = request.user, _municipal(request), _year(request)
    can_define = has_permission(user, tenant, Perm.MANAGE_TENANTS)
    form = IndicatorForm(request.POST or None, initial={"year": year}) if can_define else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            indicator = services.define_indicator(user, tenant, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The indicator is defined."))
            return redirect(f"{request.path}?year={indicator.year}")
    context = {
        "year": year,
        "indicators": services.indicators(user, tenant, year),
        "rows": services.tenant_scores(user, tenant, year),
        "form": form,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "assessment/scores.html", context, status=status)


@tenant_page(Perm.VIEW_HOME)
def nominations(request):
    """Municipal union: every nomination, with decide forms. County union: its own, and a nominate form."""
    user, tenant = request.user, request.tenant
    rows = services.nominations(user, tenant)[:300]
    form = None
    if not tenant.is_municipal and has_permission(user, tenant, StationsPerm.MANAGE):
        form = NominateForm(tenant, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.nominate_station(user, tenant, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The station is nominated."))
                return redirect("assessment:nominations")
    can_decide = tenant.is_municipal and has_permission(user, tenant, Perm.MANAGE_TENANTS)
    context = {
        "rows": [(n, DecideForm(prefix=f"n{n.pk}") if can_decide and n.status == "nominated" else None) for n in rows],
        "municipal": tenant.is_municipal,
        "form": form,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "assessment/nominations.html", context, status=status)


@require_POST
@tenant_page(Perm.MANAGE_TENANTS)
def decide(request, nomination_id: int):
    form = DecideForm(request.POST, prefix=f"n{nomination_id}")
    if form.is_valid():
        try:
            services.decide_nomination(request.user, _municipal(request), nomination_id, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The nomination is decided."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("assessment:nominations")


def _county(short_code: str) -> Tenant:
    county = Tenant.objects.filter(short_code=short_code, is_active=True).exclude(kind=Tenant.Kind.MUNICIPAL).first()
    if county is None:
        raise Http404
    return county


@tenant_page(Perm.VIEW_ROLLUPS)
def inspections(request):
    """The inspections made so far; choose a county union and one of its stations to inspect."""
    user, tenant = request.user, _municipal(request)
    counties = Tenant.objects.filter(is_active=True).exclude(kind=Tenant.Kind.MUNICIPAL).order_by("short_code")
    chosen = counties.filter(short_code=request.GET.get("tenant", "")).first()
    context = {
        "inspections": services.inspections(user, tenant)[:300],
        "counties": counties,
        "chosen": chosen,
        "stations": services.stations_of(chosen) if chosen else [],
        "can_inspect": has_permission(user, tenant, Perm.MANAGE_TENANTS),
    }
    return render(request, "assessment/inspections.html", context)


@tenant_page(Perm.MANAGE_TENANTS)
def inspect(request, short_code: str, station_id: int):
    """Inspect a station item by item: each item of its checklist passed or not, with a note."""
    user, tenant, county = request.user, _municipal(request), _county(short_code)
    try:
        name, checklist = services.checklist_of(county, station_id)
    except ValidationError:
        raise Http404 from None
    errors = []
    if request.method == "POST":
        passed = {str(i): request.POST.get(f"item-{i}") == "on" for i in range(len(checklist))}
        notes = {str(i): request.POST.get(f"note-{i}", "") for i in range(len(checklist))}
        try:
            inspection = services.inspect_station(user, tenant, county, station_id, passed, notes=notes)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The inspection is recorded: %(score)s %%.") % {"score": inspection.score})
            return redirect("assessment:inspections")
    context = {
        "county": county,
        "station_id": station_id,
        "station_name": name,
        "checklist": checklist,
        "errors": errors,
    }
    return render(request, "assessment/inspect.html", context, status=400 if errors else 200)


urlpatterns = [
    path("", scores, name="scores"),
    path("nominations/", nominations, name="nominations"),
    path("nominations/<int:nomination_id>/decide/", decide, name="nomination-decide"),
    path("inspections/", inspections, name="inspections"),
    path("inspections/<slug:short_code>/<int:station_id>/", inspect, name="inspect"),
]
