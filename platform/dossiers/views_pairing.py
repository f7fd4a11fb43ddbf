"""Pages for pairing cadres with households (结对帮扶) and logging their visits; thin views over the services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.dates import past_record
from core.pages import tenant_page
from dossiers import services
from dossiers.models import Pairing
from dossiers.permissions import DossiersPerm

DATE = forms.DateInput(attrs={"type": "date"})


class PairingForm(forms.Form):
    cadre_name = forms.CharField(label=gettext_lazy("Cadre"), max_length=50)
    cadre_position = forms.CharField(label=gettext_lazy("Position"), max_length=100, required=False)
    since = forms.DateField(label=gettext_lazy("Since"), required=False, widget=DATE, validators=[past_record])


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE, validators=[past_record])
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}))


def _form_error(form, name: str) -> str:
    return f"{form.fields[name].label}: {' '.join(form.errors[name])}"


def _done(request, action, success: str):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)


@require_POST
@tenant_page(DossiersPerm.RECORD_ASSISTANCE)
def pair(request, dossier_id: int):
    form = PairingForm(request.POST)
    if form.is_valid():
        _done(
            request,
            lambda: services.pair_cadre(request.user, request.tenant, dossier_id, **form.cleaned_data),
            _("The cadre is paired with the household."),
        )
    elif "since" in form.errors:  # a start in the future or before the records (core.dates)
        messages.error(request, _form_error(form, "since"))
    else:
        messages.error(request, _("Name the cadre."))
    return redirect("dossiers:dossier-detail", dossier_id=dossier_id)


def _dossier_of(request, pairing_id: int) -> int:
    pairing = Pairing.objects.filter(
        pk=pairing_id, dossier__in=services.visible_dossiers(request.user, request.tenant)
    ).first()
    if pairing is None:
        from django.http import Http404

        raise Http404
    return pairing.dossier_id


@require_POST
@tenant_page(DossiersPerm.RECORD_ASSISTANCE)
def visit(request, pairing_id: int):
    dossier_id = _dossier_of(request, pairing_id)
    form = VisitForm(request.POST, prefix=f"p{pairing_id}")
    if form.is_valid():
        _done(
            request,
            lambda: services.log_pairing_visit(request.user, request.tenant, pairing_id, **form.cleaned_data),
            _("The visit is recorded."),
        )
    elif form["visited_on"].value() and "visited_on" in form.errors:  # a date given but out of range
        messages.error(request, _form_error(form, "visited_on"))
    else:
        messages.error(request, _("Give the date and a note of the visit."))
    return redirect("dossiers:dossier-detail", dossier_id=dossier_id)


@require_POST
@tenant_page(DossiersPerm.RECORD_ASSISTANCE)
def end(request, pairing_id: int):
    dossier_id = _dossier_of(request, pairing_id)
    _done(request, lambda: services.end_pairing(request.user, request.tenant, pairing_id), _("The pairing ended."))
    return redirect("dossiers:dossier-detail", dossier_id=dossier_id)


urlpatterns = [
    path("<int:dossier_id>/pairings/", pair, name="pairing-new"),
    path("pairings/<int:pairing_id>/visits/", visit, name="pairing-visit"),
    path("pairings/<int:pairing_id>/end/", end, name="pairing-end"),
]
