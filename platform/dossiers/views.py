"""Pages of the dossiers: the list and its export, filing and editing a draft, the detail with its lifecycle and
assistance, the printable form, the annual review and the minimum-living standards.

Views stay thin: they parse forms (``dossiers.forms``) and call ``dossiers.services``, which check permissions,
scope and the lifecycle. Reads go through ``visible_dossiers`` (404 for "not yours" and "missing" alike). ID numbers
are shown masked; a full number is only ever obtained through ``services.reveal_id_number`` (audited) in answer to
a POST and shown in that response alone — never in a URL, a redirect or a cached page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.access import require
from core.pages import ListPage, can, form_errors_from, money, no_store, posted, status_for, tenant_page, xlsx_response
from core.people.models import Unit
from core.signals import dossier_panels, panels
from dossiers import exporting, forms, services
from dossiers.attachments import AttachmentForm
from dossiers.filters import DossierListFilter, filtered_dossiers
from dossiers.models import (
    Assistance,
    Dossier,
    HouseholdMember,
    LivingStandard,
    PairingVisit,
    ReviewCampaign,
)
from dossiers.permissions import DossiersPerm
from dossiers.views_pairing import PairingForm, VisitForm
from stations import services as stations
from stations.models import FundAccount, Station
from stations.permissions import StationsPerm

PAGE_SIZE = 50


# ------------------------------------------------------------------------------------------------ helpers
def _applicants():
    return Prefetch(
        "members",
        queryset=HouseholdMember.objects.filter(relation=HouseholdMember.Relation.APPLICANT),
        to_attr="applicants",
    )


def _set_applicant(dossier: Dossier) -> None:
    dossier.applicant_row = dossier.applicants[0] if dossier.applicants else None


def _cause_labels(dossier: Dossier) -> str:
    labels = dict(Dossier.Cause.choices)
    return ", ".join(str(labels.get(cause, cause)) for cause in dossier.secondary_causes or [])


def _get_dossier(request, dossier_id, queryset=None):
    """The dossier if the user may see it (``services.visible_dossiers``), else 404."""
    visible = services.visible_dossiers(request.user, request.tenant) if queryset is None else queryset
    try:
        return visible.get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The list's sortable columns (query parameter ``sort``, ``-`` for descending); anything else sorts newest first.
DOSSIER_SORTS = {
    "pk": gettext_lazy("No."),
    "tier": gettext_lazy("Tier"),
    "per_capita_income": gettext_lazy("Per-capita income"),
    "status": gettext_lazy("Status"),
    "last_assistance_on": gettext_lazy("Last assistance"),
}


# ------------------------------------------------------------------------------------------------- list
@tenant_page(DossiersPerm.VIEW)
def dossier_list(request):
    last_assistance = Assistance.objects.filter(dossier=OuterRef("pk")).order_by("-given_on").values("given_on")[:1]
    dossiers = (
        services.visible_dossiers(request.user, request.tenant)
        .select_related("employer", "station")
        .prefetch_related(_applicants())
        .annotate(last_assistance_on=Subquery(last_assistance))
    )
    listing = ListPage(
        request, dossiers, DossierListFilter, sorts=DOSSIER_SORTS, default_sort="-created_at", per_page=PAGE_SIZE
    )
    for dossier in listing.page:
        _set_applicant(dossier)
        dossier.per_capita_text = money(dossier.per_capita_income)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "list": listing,
        "page": listing.page,
        "filters": listing.filters,
        "query": query.urlencode(),
        "can_edit": can(request, DossiersPerm.EDIT),
        "can_view_id": can(request, DossiersPerm.VIEW_ID_NUMBER),
        "can_file": can(request, DossiersPerm.FILE),
    }
    return render(request, "dossiers/dossier_list.html", context)


@tenant_page(DossiersPerm.VIEW)
def dossier_export(request):
    """The list (with the filters of the query string) as .xlsx; masked numbers, or full ones when a role that may
    see them asks by POST (``full_ids=1``) — each exported number is then audited."""
    dossiers = filtered_dossiers(request.GET, services.visible_dossiers(request.user, request.tenant))
    full_ids = request.method == "POST" and request.POST.get("full_ids") == "1"
    if full_ids:
        require(request.user, request.tenant, DossiersPerm.VIEW_ID_NUMBER)
    content = exporting.export_dossiers(request.user, request.tenant, dossiers, full_ids=full_ids)
    day = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(content, f"{_('Dossiers')}-{day}.xlsx", fallback=f"dossiers-{day}.xlsx")


# ------------------------------------------------------------------------------------------ new and edit
def _route_errors(exc: ValidationError, dossier_form, formset, consent_form, rows: list[int], household: list):
    """Put a service's errors where they belong: ``members.N.field`` on the formset row that member N came from,
    ``members`` above the household, ``consents`` on the consent form, the rest on the dossier form."""
    if not hasattr(exc, "error_dict"):
        dossier_form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key.startswith("members."):
            _prefix, number, field = (key.split(".", 2) + [""])[:3]
            try:
                form = formset.forms[rows[int(number)]]
            except (ValueError, IndexError):
                household.extend(errors)
                continue
            form.add_error(field if field in form.fields else None, errors)
        elif key == "members":
            household.extend(errors)
        elif key == "consents":
            consent_form.add_error(None, errors)
        else:
            dossier_form.add_error(key if key in dossier_form.fields else None, errors)


def _members_payload(formset, *, replacing: bool) -> tuple[list[dict], list[int]]:
    """The members to send to the service and, for each, the index of its formset row. Empty extra rows and rows
    marked for deletion are left out; every member sent needs its ID number typed (it is never pre-filled)."""
    payload, rows = [], []
    for index, form in enumerate(formset.forms):
        if formset._should_delete_form(form):
            continue
        if index >= formset.initial_form_count() and not form.has_changed():
            continue
        data = form.service_data()
        if not data["id_number"]:
            if replacing:
                message = _("Type the resident ID number again: the household is saved anew when it changes.")
            else:
                message = _("Enter the resident ID number.")
            form.add_error("id_number", message)
        payload.append(data)
        rows.append(index)
    return payload, rows


ALSO_IN = gettext_lazy(
    "%(name)s is also in live dossier #%(dossier)s of this union: check that it is not the same household filed twice."
)


def _dossier_form(request, dossier: Dossier | None):
    user, tenant = request.user, request.tenant
    units = stations.visible_units(user, tenant) if can(request, StationsPerm.VIEW) else Unit.objects.none()
    station_choices = (
        stations.visible_stations(user, tenant) if can(request, StationsPerm.VIEW) else Station.objects.none()
    )
    data = posted(request)
    if dossier is None:
        initial, masked, extra, consent_initial = [{"relation": HouseholdMember.Relation.APPLICANT}], [], 4, {}
    else:
        members = list(dossier.members.order_by("id"))
        initial = [forms.member_initial(member) for member in members]
        masked = [member.id_masked for member in members]
        extra, consent_initial = 2, forms.ConsentForm.initial_for(dossier)
    dossier_form = forms.DossierForm(data=data, instance=dossier, units=units, stations=station_choices)
    formset = forms.member_formset(extra=extra)(data=data, prefix="members", initial=initial, masked=masked)
    consent_form = forms.ConsentForm(data=data, prefix="consent", initial=consent_initial)
    household_errors: list[str] = []
    if request.method == "POST" and all([dossier_form.is_valid(), formset.is_valid(), consent_form.is_valid()]):
        replacing = dossier is not None and formset.has_changed()
        payload, rows = None, []
        if dossier is None or replacing:
            payload, rows = _members_payload(formset, replacing=replacing)
        if not any(form.errors for form in formset.forms):
            kwargs = {"data": dossier_form.service_data(), "members": payload, "consents": consent_form.service_data()}
            try:
                if dossier is None:
                    saved = services.file_dossier(user, tenant, **kwargs)
                else:
                    saved = services.update_dossier(user, tenant, dossier.pk, **kwargs)
            except ValidationError as exc:
                _route_errors(exc, dossier_form, formset, consent_form, rows, household_errors)
            else:
                messages.success(request, _("The dossier is saved."))
                for seen in services.household_also_in(saved):  # a warning: maybe the same household twice
                    messages.warning(request, ALSO_IN % seen)
                return redirect("dossiers:dossier-detail", dossier_id=saved.pk)
    member_errors = any(form.errors for form in formset.forms) or formset.non_form_errors()
    context = {
        "dossier": dossier,
        "form": dossier_form,
        "formset": formset,
        "consent_form": consent_form,
        "household_errors": household_errors,
    }
    status = 400 if household_errors or member_errors or status_for(dossier_form, consent_form) == 400 else 200
    return render(request, "dossiers/dossier_form.html", context, status=status)


@tenant_page(DossiersPerm.EDIT)
def dossier_new(request):
    return _dossier_form(request, None)


@tenant_page(DossiersPerm.EDIT)
def dossier_edit(request, dossier_id: int):
    dossier = _get_dossier(request, dossier_id)
    if dossier.status not in services.EDITABLE:
        messages.error(request, _("Only a draft can be changed; ask for it to be returned."))
        return redirect("dossiers:dossier-detail", dossier_id=dossier.pk)
    return _dossier_form(request, dossier)


# ------------------------------------------------------------------------------------------------ detail
def allowed_steps(request, dossier: Dossier) -> list[str]:
    """The statuses this user may move the dossier to now (``services.TRANSITIONS`` and the role's grants)."""
    return [
        to_status
        for (from_status, to_status), perm in services.TRANSITIONS.items()
        if from_status == dossier.status and can(request, perm)
    ]


@tenant_page(DossiersPerm.VIEW)
def dossier_detail(request, dossier_id: int):
    user, tenant = request.user, request.tenant
    visible = services.visible_dossiers(user, tenant).select_related("employer", "station", "filed_by", "reviewed_by")
    dossier = _get_dossier(request, dossier_id, visible)
    members = list(dossier.members.order_by("id"))
    can_view_id = can(request, DossiersPerm.VIEW_ID_NUMBER)
    can_record = can(request, DossiersPerm.RECORD_ASSISTANCE) and dossier.status == Dossier.Status.FILED
    steps = allowed_steps(request, dossier)

    action = request.POST.get("action", "") if request.method == "POST" else ""
    transition_form = forms.TransitionForm(
        steps, prefix="transition", data=request.POST if action == "transition" else None
    )
    accounts = (
        stations.visible_accounts(user, tenant) if can(request, StationsPerm.VIEW_FUNDS) else FundAccount.objects.none()
    )
    assistance_form = forms.AssistanceForm(
        accounts, prefix="assistance", data=request.POST if action == "assistance" else None
    )
    revealed: dict[int, str] = {}
    if action == "reveal":
        reveal = forms.RevealForm(request.POST)
        member_ids = {member.pk for member in members}
        if not reveal.is_valid() or reveal.cleaned_data["member"] not in member_ids:
            raise Http404
        member_id = reveal.cleaned_data["member"]
        revealed[member_id] = services.reveal_id_number(user, tenant, member_id, channel="page")
    elif action == "transition":
        if transition_form.is_valid():
            try:
                services.transition(user, tenant, dossier.pk, **transition_form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(transition_form, exc)
            except PermissionDenied as exc:
                transition_form.add_error(None, str(exc))
            else:
                messages.success(request, _("The dossier moved to its next step."))
                return redirect("dossiers:dossier-detail", dossier_id=dossier.pk)
    elif action == "assistance":
        require(user, tenant, DossiersPerm.RECORD_ASSISTANCE)
        if assistance_form.is_valid():
            try:
                services.record_assistance(user, tenant, dossier.pk, **assistance_form.service_data())
            except ValidationError as exc:
                form_errors_from(assistance_form, exc)
            else:
                messages.success(request, _("The assistance is recorded."))
                return redirect("dossiers:dossier-detail", dossier_id=dossier.pk)
    elif request.method == "POST":
        messages.error(request, _("Unknown action."))
        return redirect("dossiers:dossier-detail", dossier_id=dossier.pk)

    for member in members:
        member.revealed = revealed.get(member.pk, "")
        member.income_text = money(member.monthly_income)
    assistance = list(dossier.assistance.select_related("fund_account", "recorded_by"))
    for item in assistance:
        item.amount_text = money(item.amount)
    visits = Prefetch("visits", queryset=PairingVisit.objects.select_related("recorded_by"))
    pairings = list(dossier.pairings.prefetch_related(visits))
    for pairing in pairings:
        pairing.visit_form = VisitForm(prefix=f"p{pairing.pk}") if can_record and not pairing.until else None
    context = {
        "dossier": dossier,
        "members": members,
        "consents": list(dossier.consents.select_related("recorded_by")),
        "secondary_labels": _cause_labels(dossier),
        "reasons": services.reason_texts(dossier),
        "income_text": money(dossier.monthly_household_income),
        "per_capita_text": money(dossier.per_capita_income),
        "standard_text": money(dossier.standard_amount),
        "transitions": list(dossier.transitions.select_related("by")),
        "assistance": assistance,
        "pairings": pairings,
        "continuity": services.assistance_continuity(dossier),
        "attachments": list(dossier.attachments.all()),
        "attachment_form": AttachmentForm() if can(request, DossiersPerm.EDIT) else None,
        "pairing_form": PairingForm() if can_record else None,
        "can_view_id": can_view_id,
        "can_pass_on": can(request, DossiersPerm.EDIT) and dossier.is_live,
        "can_edit": can(request, DossiersPerm.EDIT) and dossier.status in services.EDITABLE,
        "transition_form": transition_form if steps else None,
        "assistance_form": assistance_form if can_record else None,
        "panels": panels(dossier_panels, Dossier, tenant=tenant, dossier=dossier, request=request),
    }
    response = render(
        request, "dossiers/dossier_detail.html", context, status=status_for(transition_form, assistance_form)
    )
    return no_store(response) if revealed else response


@tenant_page(DossiersPerm.VIEW)
def dossier_print(request, dossier_id: int):
    """A one-page A4 form. Full ID numbers only for a role that may see them, asked for by POST (each audited)."""
    user, tenant = request.user, request.tenant
    visible = services.visible_dossiers(user, tenant).select_related("employer", "station")
    dossier = _get_dossier(request, dossier_id, visible)
    members = list(dossier.members.order_by("id"))
    full_ids = request.method == "POST" and request.POST.get("full_ids") == "1"
    if full_ids:
        require(user, tenant, DossiersPerm.VIEW_ID_NUMBER)
    numbers = services.reveal_id_numbers(user, tenant, [m.pk for m in members], channel="print") if full_ids else {}
    for member in members:
        member.revealed = numbers.get(member.pk, "")
        member.income_text = money(member.monthly_income)
    context = {
        "dossier": dossier,
        "members": members,
        "full_ids": full_ids,
        "can_view_id": can(request, DossiersPerm.VIEW_ID_NUMBER),
        "reasons": services.reason_texts(dossier),
        "income_text": money(dossier.monthly_household_income),
        "per_capita_text": money(dossier.per_capita_income),
        "standard_text": money(dossier.standard_amount),
        "printed_at": timezone.localtime(),
    }
    return no_store(render(request, "dossiers/dossier_print.html", context))


# ----------------------------------------------------------------------------------------- annual review
@tenant_page(DossiersPerm.VIEW)
def review_list(request):
    can_file = can(request, DossiersPerm.FILE)
    form = forms.StartReviewForm(data=posted(request)) if can_file else None
    if request.method == "POST":
        require(request.user, request.tenant, DossiersPerm.FILE)
        if form.is_valid():
            try:
                campaign = services.start_annual_review(request.user, request.tenant, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                total = services.review_progress(campaign)["total"]
                messages.success(
                    request,
                    ngettext(
                        "The review of %(year)s is up to date: %(count)s task.",
                        "The review of %(year)s is up to date: %(count)s tasks.",
                        total,
                    )
                    % {"year": campaign.year, "count": total},
                )
                return redirect("dossiers:review-detail", campaign_id=campaign.pk)
    campaigns = list(ReviewCampaign.objects.select_related("started_by"))
    for campaign in campaigns:
        campaign.progress = services.review_progress(campaign)
    context = {"campaigns": campaigns, "form": form, "can_file": can_file}
    return render(request, "dossiers/review_list.html", context, status=status_for(form))


@tenant_page(DossiersPerm.VIEW)
def review_detail(request, campaign_id: int):
    user, tenant = request.user, request.tenant
    try:
        campaign = ReviewCampaign.objects.get(pk=campaign_id)
    except ReviewCampaign.DoesNotExist:
        raise Http404 from None
    can_review = can(request, DossiersPerm.REVIEW)
    posted = None
    if request.method == "POST":
        require(user, tenant, DossiersPerm.REVIEW)
        task_key = request.POST.get("task", "") if request.POST.get("task", "").isdigit() else "x"
        posted = forms.DecideForm(request.POST, auto_id=f"id_task{task_key}_%s")
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                services.decide_review(user, tenant, data["task"], outcome=data["outcome"], evidence=data["evidence"])
            except ValidationError as exc:
                form_errors_from(posted, exc)
            except PermissionDenied as exc:
                posted.add_error(None, str(exc))
            else:
                messages.success(request, _("The outcome is recorded."))
                target = reverse("dossiers:review-detail", kwargs={"campaign_id": campaign.pk})
                return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)

    visible = services.visible_dossiers(user, tenant)
    filters = forms.ReviewFilterForm(request.GET)
    tasks = (
        filters.filter(campaign.tasks.filter(dossier__in=visible))
        .select_related("dossier", "decided_by")
        .prefetch_related(Prefetch("dossier__members", queryset=_applicants().queryset, to_attr="applicants"))
        .order_by("dossier_id")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    posted_task = str(posted.data.get("task", "")) if posted is not None else ""
    placed = False
    for task in page:
        _set_applicant(task.dossier)
        task.form = None
        if can_review and not task.outcome:
            if posted is not None and posted_task == str(task.pk):
                task.form, placed = posted, True
            else:
                task.form = forms.DecideForm(initial={"task": task.pk}, auto_id=f"id_task{task.pk}_%s")
    decide_errors = []
    if posted is not None and posted.errors and not placed:
        decide_errors = [message for errors in posted.errors.values() for message in errors]
    context = {
        "campaign": campaign,
        "progress": services.review_progress(campaign),
        "page": page,
        "filters": filters,
        "can_review": can_review,
        "decide_errors": decide_errors,
    }
    return render(request, "dossiers/review_detail.html", context, status=status_for(posted))


# -------------------------------------------------------------------------------------- living standards
@tenant_page(DossiersPerm.VIEW)
def living_standards(request):
    can_file = can(request, DossiersPerm.FILE)
    form = forms.LivingStandardForm(data=posted(request)) if can_file else None
    if request.method == "POST":
        require(request.user, request.tenant, DossiersPerm.FILE)
        if form.is_valid():
            year = form.cleaned_data["year"]
            try:
                changed = services.set_living_standard(request.user, request.tenant, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The standard of %(year)s is saved; %(count)s dossier changed tier.",
                        "The standard of %(year)s is saved; %(count)s dossiers changed tier.",
                        changed,
                    )
                    % {"year": year, "count": changed},
                )
                return redirect("dossiers:living-standards")
    standards = list(LivingStandard.objects.all())
    for standard in standards:
        standard.amount_text = money(standard.monthly_per_capita)
    context = {"standards": standards, "form": form, "can_file": can_file}
    return render(request, "dossiers/living_standards.html", context, status=status_for(form))


urlpatterns = [
    path("", dossier_list, name="dossier-list"),
    path("new/", dossier_new, name="dossier-new"),
    path("export/", dossier_export, name="dossier-export"),
    path("<int:dossier_id>/", dossier_detail, name="dossier-detail"),
    path("<int:dossier_id>/edit/", dossier_edit, name="dossier-edit"),
    path("<int:dossier_id>/print/", dossier_print, name="dossier-print"),
    path("reviews/", review_list, name="review-list"),
    path("reviews/<int:campaign_id>/", review_detail, name="review-detail"),
    path("living-standards/", living_standards, name="living-standards"),
]
