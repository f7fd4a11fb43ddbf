"""Pages of the exchange between unions: the referral inbox and outbox, referring or transferring a dossier, and
(for the municipal union) where duplicates are. Thin views over ``exchange.services``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import has_permission
from core.pages import form_errors_from, tenant_page
from core.roles import Perm
from dossiers.permissions import DossiersPerm
from exchange import services
from exchange.models import Referral
from tenants.models import Tenant

app_name = "exchange"


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(s, label) for s, label in Referral.Status.choices if s != Referral.Status.WAITING],
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    request = forms.CharField(label=gettext_lazy("What is asked"), widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(forms.Form):
    to_tenant = forms.ModelChoiceField(label=gettext_lazy("To union"), queryset=Tenant.objects.none())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_tenant"].queryset = services.transfer_targets(tenant)  # never the municipal union


@tenant_page(DossiersPerm.VIEW)
def referrals(request):
    user, tenant = request.user, request.tenant
    received = services.referrals_received(user, tenant) if has_permission(user, tenant, DossiersPerm.FILE) else None
    context = {
        "received": [(r, DecisionForm(prefix=f"r{r.pk}")) for r in received] if received is not None else None,
        "sent": services.referrals_sent(user, tenant)[:200],
    }
    return render(request, "exchange/referrals.html", context)


@require_POST
@tenant_page(DossiersPerm.FILE)
def decide(request, referral_id: int):
    form = DecisionForm(request.POST, prefix=f"r{referral_id}")
    if form.is_valid():
        try:
            services.decide_referral(request.user, request.tenant, referral_id, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The referral is decided."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("exchange:referrals")


@tenant_page(DossiersPerm.EDIT)
def dossier_exchange(request, dossier_id: int):
    """Pass a case on: a unit to its own union; the union to its parent; or transfer the dossier to another union."""
    from dossiers.services import access_dossier

    user, tenant = request.user, request.tenant
    dossier = access_dossier(user, tenant, dossier_id)
    action = request.POST.get("action")
    union_form = EscalateForm(request.POST if action == "union" else None, prefix="u")
    escalate_form = EscalateForm(request.POST if action == "escalate" else None, prefix="e")
    transfer_form = TransferForm(tenant, request.POST if action == "transfer" else None, prefix="t")
    bound = next((f for f in (union_form, escalate_form, transfer_form) if f.is_bound), None)
    if request.method == "POST":
        try:
            if union_form.is_bound and union_form.is_valid():
                services.escalate_to_union(user, tenant, dossier.pk, **union_form.cleaned_data)
                messages.success(request, _("The case is passed to the union."))
                return redirect("dossiers:dossier-detail", dossier_id=dossier.pk)
            if escalate_form.is_bound and escalate_form.is_valid():
                services.escalate_to_parent(user, tenant, dossier.pk, **escalate_form.cleaned_data)
                messages.success(request, _("The case is referred to the higher union."))
                return redirect("exchange:referrals")
            if transfer_form.is_bound and transfer_form.is_valid():
                transfer = services.transfer_dossier(user, tenant, dossier.pk, **transfer_form.cleaned_data)
                messages.success(request, _("The dossier is transferred to %(union)s.") % {"union": transfer.to_tenant})
                return redirect("dossiers:dossier-list")
        except ValidationError as exc:
            form_errors_from(bound, exc)
    can_file = has_permission(user, tenant, DossiersPerm.FILE)
    context = {
        "dossier": dossier,
        "duplicates": services.duplicate_count(tenant, dossier.pk),
        "referrals": services.referrals_sent(user, tenant, dossier.pk),
        "union_form": None if can_file else union_form,
        "escalate_form": escalate_form if can_file else None,
        "transfer_form": transfer_form if can_file and services.keeps_dossiers(tenant) else None,
        "parent": tenant.parent,
    }
    status = 400 if bound is not None and bound.errors else 200
    return render(request, "exchange/dossier_exchange.html", context, status=status)


@tenant_page(Perm.VIEW_ROLLUPS)
def duplicates(request):
    return render(
        request, "exchange/duplicates.html", {"rows": services.duplicates_across_tenants(request.user, request.tenant)}
    )


urlpatterns = [
    path("referrals/", referrals, name="referrals"),
    path("referrals/<int:referral_id>/decide/", decide, name="referral-decide"),
    path("dossiers/<int:dossier_id>/", dossier_exchange, name="dossier-exchange"),
    path("duplicates/", duplicates, name="duplicates"),
]
