"""Pages of the stations: stations and their checklist, units and coverage, the reception register, the funds.

Views stay thin: they parse forms (``stations.forms``) and call ``stations.services``, which check permissions and
the actor's station scope. Reads go through ``visible_stations`` / ``visible_accounts`` (404 for "not yours" and
"missing" alike) and load what a page shows in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, Max, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.access import require
from core.dates import query_year
from core.pages import ListPage, can, form_errors_from, get_or_404, money, posted, status_for, tenant_page
from core.people.models import Unit
from core.signals import panels, station_panels, unit_panels
from stations import forms, services
from stations.filters import ReceptionListFilter, StationListFilter, UnitListFilter, open_station_kinds
from stations.models import (
    CoverageTarget,
    FundEntry,
    ReceptionRecord,
    ServicePoint,
    Station,
    StationPolicy,
    StationStaff,
)
from stations.permissions import StationsPerm

PAGE_SIZE = 50
FUND_ENTRY_LIMIT = 200
CHECKLIST_GROUPS = {
    "hardware": gettext_lazy("Hardware"),
    "staff": gettext_lazy("Staff"),
    "rules": gettext_lazy("Rules posted on the wall"),
}
# Roots of the unit tree: the union first, then the areas, then enterprises without a parent.
UNIT_KIND_RANK = {kind: rank for rank, kind in enumerate(["union", "zone", "township", "community", "enterprise"])}


# ------------------------------------------------------------------------------------------------ helpers
def _with_overdue(records, policy: StationPolicy, today):
    """Annotate ``overdue`` in the query: a record is overdue when it is not closed and today is after its visit
    day plus the time limit, i.e. it was visited before the start of (today − limit)."""
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=policy.reception_time_limit_days), time.min))
    return records.annotate(
        overdue=Case(
            When(Q(visited_at__lt=cutoff) & ~Q(stage=ReceptionRecord.Stage.CLOSED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _add_due_dates(records, policy: StationPolicy) -> None:
    for record in records:
        record.due_on = record.due_date(policy)


# ----------------------------------------------------------------------------------------------- stations
# The station list's sortable columns (query parameter ``sort``, ``-`` for descending); by name otherwise.
STATION_SORTS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "established_on": gettext_lazy("Established"),
}


@tenant_page(StationsPerm.VIEW)
def station_list(request):
    stations = (
        services.visible_stations(request.user, request.tenant)
        .select_related("unit")
        .prefetch_related("staff")  # Station.checklist() reads the staff
    )
    listing = ListPage(
        request, stations, StationListFilter, sorts=STATION_SORTS, default_sort="name", per_page=PAGE_SIZE
    )
    today = timezone.localdate()
    for station in listing.page:
        station.missing_count = len(station.missing())
        station.is_open = station.is_open_on(today)
    context = {
        "list": listing,
        "stations": listing.page,
        "filters": listing.filters,
        "can_manage": can(request, StationsPerm.MANAGE),
    }
    return render(request, "stations/station_list.html", context)


@tenant_page(StationsPerm.VIEW)
def station_detail(request, station_id: int):
    visible = services.visible_stations(request.user, request.tenant)
    station = get_or_404(
        visible.select_related("unit", "host_station", "fund").prefetch_related("staff", "service_points"),
        station_id,
    )
    checklist = station.checklist()
    groups = [
        (label, rows)
        for key, label in CHECKLIST_GROUPS.items()
        if (rows := [row for row in checklist if row["group"] == key])
    ]
    attached = []
    if station.kind == Station.Kind.OWN:
        attached = list(visible.filter(host_station=station).select_related("unit").order_by("name"))
    policy = StationPolicy.current()
    receptions = list(_with_overdue(station.receptions.all(), policy, timezone.localdate())[:10])
    _add_due_dates(receptions, policy)
    fund = getattr(station, "fund", None)  # a missing reverse one-to-one raises an AttributeError subclass
    if fund is not None:
        fund.balance_text = money(fund.balance)
    context = {
        "station": station,
        "groups": groups,
        "missing": [row["item"] for row in checklist if not row["ok"]],
        "attached": attached,
        "receptions": receptions,
        "fund": fund,
        "can_manage": can(request, StationsPerm.MANAGE),
        "can_register": can(request, StationsPerm.REGISTER_VISITS),
        "can_view_funds": can(request, StationsPerm.VIEW_FUNDS),
        "can_book": can(request, StationsPerm.BOOK_FUNDS),
        "staff_form": forms.StaffForm(),
        "point_form": forms.ServicePointForm(),
        "panels": panels(station_panels, Station, tenant=request.tenant, station=station, request=request),
    }
    return render(request, "stations/station_detail.html", context)


def _station_change(request, act, success: str, station_id: int | None = None):
    try:
        result = act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        result = None
    else:
        messages.success(request, success)
    target = station_id or (result.station_id if result is not None else None)
    return redirect("stations:station-detail", station_id=target) if target else redirect("stations:station-list")


@require_POST
@tenant_page(StationsPerm.MANAGE)
def staff_add(request, station_id: int):
    form = forms.StaffForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the staff member's name."))
        return redirect("stations:station-detail", station_id=station_id)
    return _station_change(
        request,
        lambda: services.add_station_staff(request.user, request.tenant, station_id, **form.cleaned_data),
        _("The staff member is added."),
        station_id,
    )


@require_POST
@tenant_page(StationsPerm.MANAGE)
def staff_remove(request, staff_id: int):
    station_id = StationStaff.objects.filter(pk=staff_id).values_list("station_id", flat=True).first()
    services.remove_station_staff(request.user, request.tenant, staff_id)
    messages.success(request, _("The staff member is removed."))
    return redirect("stations:station-detail", station_id=station_id)


@require_POST
@tenant_page(StationsPerm.MANAGE)
def point_add(request, station_id: int):
    form = forms.ServicePointForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the service point's name."))
        return redirect("stations:station-detail", station_id=station_id)
    return _station_change(
        request,
        lambda: services.add_service_point(request.user, request.tenant, station_id, **form.cleaned_data),
        _("The service point is added."),
        station_id,
    )


@require_POST
@tenant_page(StationsPerm.MANAGE)
def point_remove(request, point_id: int):
    station_id = ServicePoint.objects.filter(pk=point_id).values_list("station_id", flat=True).first()
    services.remove_service_point(request.user, request.tenant, point_id)
    messages.success(request, _("The service point is removed."))
    return redirect("stations:station-detail", station_id=station_id)


def _station_form(request, station: Station | None):
    initial = {}
    if station is None and request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    title_name = station.name if station else ""
    form = forms.StationForm(data=posted(request), instance=station, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in services.STATION_FIELDS if field in form.cleaned_data}
        try:
            saved = services.save_station(request.user, request.tenant, data, instance=station)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Station saved."))
            return redirect("stations:station-detail", station_id=saved.pk)
    context = {"form": form, "station": station, "title_name": title_name}
    return render(request, "stations/station_form.html", context, status=status_for(form))


@tenant_page(StationsPerm.MANAGE)
def station_new(request):
    return _station_form(request, None)


@tenant_page(StationsPerm.MANAGE)
def station_edit(request, station_id: int):
    return _station_form(request, services.access_station(request.user, request.tenant, station_id))


# -------------------------------------------------------------------------------------------------- units
def _unit_tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth; a unit whose parent is not in the list is a root."""
    ids = {unit.pk for unit in units}
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in sorted(units, key=lambda u: (UNIT_KIND_RANK.get(u.kind, 99), u.name)):
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [(unit, 0) for unit in reversed(children[None])]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children[unit.pk]))
    return ordered


# The unit list's sortable columns; in tree order (the union, areas, then their enterprises) otherwise.
UNIT_SORTS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "employee_count": gettext_lazy("Employees"),
}


@tenant_page(StationsPerm.VIEW)
def unit_list(request):
    units = services.visible_units(request.user, request.tenant)
    listing = ListPage(
        request,
        units,
        UnitListFilter,
        sorts=UNIT_SORTS,
        default_sort="",
        per_page=PAGE_SIZE,
        arrange=lambda rows: _unit_tree(list(rows)),
    )
    rows_in_page = [row if isinstance(row, tuple) else (row, 0) for row in listing.page]
    # The kinds of open stations of the page's units in one query, so unit_compliance never queries per unit.
    kinds = open_station_kinds([unit.pk for unit, _depth in rows_in_page])
    kind_labels = dict(Station.Kind.choices)
    rows = []
    for unit, depth in rows_in_page:
        compliance = services.unit_compliance(unit, kinds=kinds.get(unit.pk, ()))
        rows.append(
            {
                "unit": unit,
                "indent": f"{depth * 1.5:.1f}em",
                "compliance": compliance,
                "station_kinds": [kind_labels[kind] for kind in compliance.station_kinds],
                "required": compliance.requirement != services.Requirement.NONE,
            }
        )
    context = {
        "list": listing,
        "rows": rows,
        "filters": listing.filters,
        "can_manage": can(request, StationsPerm.MANAGE),
    }
    return render(request, "stations/unit_list.html", context)


def _unit_form(request, unit: Unit | None):
    initial = {}
    if unit is None and request.GET.get("parent", "").isdigit():
        initial["parent"] = int(request.GET["parent"])
    title_name = unit.name if unit else ""
    form = forms.UnitForm(data=posted(request), instance=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in services.UNIT_FIELDS if field in form.cleaned_data}
        try:
            services.save_unit(request.user, request.tenant, data, instance=unit)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Unit saved."))
            return redirect("stations:unit-list")
    context = {"form": form, "unit": unit, "title_name": title_name}
    if unit is not None:
        context["panels"] = panels(unit_panels, Unit, tenant=request.tenant, unit=unit, request=request)
    return render(request, "stations/unit_form.html", context, status=status_for(form))


@tenant_page(StationsPerm.MANAGE)
def unit_new(request):
    return _unit_form(request, None)


@tenant_page(StationsPerm.MANAGE)
def unit_edit(request, unit_id: int):
    return _unit_form(request, get_or_404(Unit.objects.all(), unit_id))


# ----------------------------------------------------------------------------------------------- coverage
@tenant_page(StationsPerm.VIEW)
def coverage(request):
    today = timezone.localdate()
    years = forms.year_choices(today)
    year = query_year(request.GET, default=today.year)
    if year not in years:
        year = today.year
    can_manage = can(request, StationsPerm.MANAGE)
    target_form = forms.CoverageTargetForm(prefix="target", initial={"year": year})
    defaults_form = forms.DefaultTargetsForm(prefix="defaults", initial={"start_year": today.year})
    if request.method == "POST":
        require(request.user, request.tenant, StationsPerm.MANAGE)
        action = request.POST.get("action")
        if action == "target":
            target_form = forms.CoverageTargetForm(request.POST, prefix="target")
            if target_form.is_valid():
                try:
                    target = services.set_coverage_target(request.user, request.tenant, **target_form.cleaned_data)
                except ValidationError as exc:
                    form_errors_from(target_form, exc)
                else:
                    messages.success(request, _("The target of %(year)s is saved.") % {"year": target.year})
                    return redirect(f"{reverse('stations:coverage')}?year={target.year}")
        elif action == "defaults":
            defaults_form = forms.DefaultTargetsForm(request.POST, prefix="defaults")
            if defaults_form.is_valid():
                start = defaults_form.cleaned_data["start_year"]
                services.set_default_targets(request.user, request.tenant, start)
                messages.success(request, _("The default targets are applied."))
                return redirect(f"{reverse('stations:coverage')}?year={start}")
        else:
            messages.error(request, _("Unknown action."))
            return redirect("stations:coverage")

    figures = services.coverage_figures(year)
    lacking = (
        services.visible_units(request.user, request.tenant)
        .filter(kind=Unit.Kind.ENTERPRISE, has_union=True, above_designated_size=True)
        .exclude(pk__in=Station.objects.filter(services.open_on(figures.on_day)).values("unit_id"))
        .order_by("name")
    )
    lacking_rows = [(unit, services.REQUIREMENT_LABELS[services.coverage_requirement(unit)]) for unit in lacking]
    share = figures.share
    context = {
        "figures": figures,
        "year": year,
        "years": years,
        "bar_width": min(share, 100) if share is not None else 0,
        "lacking": lacking_rows,
        "targets": CoverageTarget.objects.order_by("year"),
        "can_manage": can_manage,
        "target_form": target_form,
        "defaults_form": defaults_form,
    }
    return render(request, "stations/coverage.html", context, status=status_for(target_form, defaults_form))


# ---------------------------------------------------------------------------------------------- reception
# The register's sortable columns; the latest visit first otherwise.
RECEPTION_SORTS = {
    "visited_at": gettext_lazy("Visited at"),
    "station__name": gettext_lazy("Station"),
    "stage": gettext_lazy("Stage"),
}


@tenant_page(StationsPerm.VIEW)
def reception_list(request):
    visible = services.visible_stations(request.user, request.tenant)
    policy = StationPolicy.current()
    records = _with_overdue(ReceptionRecord.objects.filter(station__in=visible), policy, timezone.localdate())
    records = records.select_related("station", "employer")
    listing = ListPage(
        request, records, ReceptionListFilter, sorts=RECEPTION_SORTS, default_sort="-visited_at", per_page=PAGE_SIZE
    )
    _add_due_dates(listing.page, policy)
    context = {
        "list": listing,
        "page": listing.page,
        "filters": listing.filters,
        "policy": policy,
        "can_register": can(request, StationsPerm.REGISTER_VISITS),
    }
    return render(request, "stations/reception_list.html", context)


@tenant_page(StationsPerm.REGISTER_VISITS)
def reception_new(request):
    visible = services.visible_stations(request.user, request.tenant)
    initial = {}
    if request.GET.get("station", "").isdigit():
        initial["station"] = int(request.GET["station"])
    form = forms.ReceptionForm(visible, data=posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.register_visit(
                request.user,
                request.tenant,
                station=data["station"],
                visitor_name=data["visitor_name"],
                category=data["category"],
                request=data["request"],
                visited_at=data["visited_at"],
                visitor_phone=data["visitor_phone"],
                employer=data["employer"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The visit is registered."))
            return redirect("stations:reception-detail", record_id=record.pk)
    return render(request, "stations/reception_form.html", {"form": form}, status=status_for(form))


def _error_lines(form) -> list[str]:
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        lines.extend(f"{label}: {message}" if label else message for message in errors)
    return lines


@tenant_page(StationsPerm.VIEW)
def reception_detail(request, record_id: int):
    visible = services.visible_stations(request.user, request.tenant)
    records = ReceptionRecord.objects.filter(station__in=visible).select_related(
        "station", "employer", "registered_by", "archived_by", "handled_by", "closed_by"
    )
    record = get_or_404(records, record_id)
    can_register = can(request, StationsPerm.REGISTER_VISITS)
    next_action = forms.STAGE_ACTIONS.get(record.stage)  # (action, form class, service) or None once closed
    form = None
    stage_errors: list[str] = []
    if request.method == "POST":
        require(request.user, request.tenant, StationsPerm.REGISTER_VISITS)
        action = request.POST.get("action", "")
        if action not in forms.ACTIONS:
            stage_errors.append(_("Unknown action."))
        else:
            form_class, service = forms.ACTIONS[action]
            posted = form_class(request.POST)
            if posted.is_valid():
                try:
                    service(request.user, request.tenant, record.pk, **posted.cleaned_data)
                except ValidationError as exc:
                    form_errors_from(posted, exc)
                else:
                    messages.success(request, _("The record moved to its next stage."))
                    return redirect("stations:reception-detail", record_id=record.pk)
            if next_action and action == next_action[0]:
                form = posted
            else:
                # A stage that is not the next one: say why, and keep offering the right form.
                stage_errors = _error_lines(posted)
    if form is None and next_action and can_register:
        form = next_action[1]()
    policy = StationPolicy.current()
    stages = [
        {"label": ReceptionRecord.Stage.REGISTERED.label, "by": record.registered_by, "at": record.registered_at},
        {"label": ReceptionRecord.Stage.ARCHIVED.label, "by": record.archived_by, "at": record.archived_at},
        {"label": ReceptionRecord.Stage.HANDLED.label, "by": record.handled_by, "at": record.handled_at},
        {"label": ReceptionRecord.Stage.CLOSED.label, "by": record.closed_by, "at": record.closed_at},
    ]
    context = {
        "record": record,
        "stages": stages,
        "form": form,
        "action": next_action[0] if next_action else None,
        "next_stage_label": ReceptionRecord.Stage(record.next_stage()).label if record.next_stage() else None,
        "stage_errors": stage_errors,
        "due_on": record.due_date(policy),
        "overdue": record.is_overdue(policy=policy),
    }
    status = 400 if stage_errors or (form is not None and form.errors) else 200
    return render(request, "stations/reception_detail.html", context, status=status)


# -------------------------------------------------------------------------------------------------- funds
@tenant_page(StationsPerm.VIEW_FUNDS)
def fund_list(request):
    accounts = list(
        services.visible_accounts(request.user, request.tenant)
        .select_related("station__unit")
        .annotate(entry_count=Count("entries"), last_booked_on=Max("entries__booked_on"))
        .order_by("name")
    )
    for account in accounts:
        account.balance_text = money(account.balance)
    can_book = can(request, StationsPerm.BOOK_FUNDS)
    form = None
    if can_book:
        stations = services.visible_stations(request.user, request.tenant)
        form = forms.OpenAccountForm(stations, data=posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                account = services.open_account(
                    request.user, request.tenant, name=form.cleaned_data["name"], station=form.cleaned_data["station"]
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The account is opened."))
                return redirect("stations:fund-detail", account_id=account.pk)
    elif request.method == "POST":
        raise Http404
    context = {
        "accounts": accounts,
        "total": money(sum(account.balance for account in accounts)),
        "form": form,
        "can_book": can_book,
    }
    return render(request, "stations/fund_list.html", context, status=status_for(form))


@tenant_page(StationsPerm.VIEW_FUNDS)
def fund_detail(request, account_id: int):
    account = get_or_404(services.visible_accounts(request.user, request.tenant).select_related("station"), account_id)
    entries_query = (
        account.entries.select_related("created_by")
        .annotate(reversed_by_pk=Subquery(FundEntry.objects.filter(reverses=OuterRef("pk")).values("pk")[:1]))
        .order_by("-id")
    )
    entries = list(entries_query[:FUND_ENTRY_LIMIT])
    more = len(entries) == FUND_ENTRY_LIMIT and account.entries.count() > FUND_ENTRY_LIMIT
    for entry in entries:
        entry.amount_text = money(entry.amount)
        entry.balance_after_text = money(entry.balance_after)
    account.balance_text = money(account.balance)
    reversible = [e for e in entries if e.kind != FundEntry.Kind.REVERSAL and e.reversed_by_pk is None]

    can_book = can(request, StationsPerm.BOOK_FUNDS)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    income_form = forms.IncomeForm(prefix="income", data=request.POST if action == "income" else None)
    expenditure_form = forms.ExpenditureForm(
        prefix="expenditure", data=request.POST if action == "expenditure" else None
    )
    reversal_form = forms.ReversalForm(reversible, prefix="reverse", data=request.POST if action == "reverse" else None)
    if request.method == "POST":
        require(request.user, request.tenant, StationsPerm.BOOK_FUNDS)
        posted = {"income": income_form, "expenditure": expenditure_form, "reverse": reversal_form}.get(action)
        if posted is None:
            messages.error(request, _("Unknown action."))
            return redirect("stations:fund-detail", account_id=account.pk)
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                if action == "income":
                    services.book_income(request.user, request.tenant, account.pk, **data)
                elif action == "expenditure":
                    services.book_expenditure(request.user, request.tenant, account.pk, **data)
                else:
                    services.reverse_entry(request.user, request.tenant, data["entry"], note=data["note"])
            except ValidationError as exc:
                form_errors_from(posted, exc)
            else:
                messages.success(request, _("The entry is booked."))
                return redirect("stations:fund-detail", account_id=account.pk)
    context = {
        "account": account,
        "entries": entries,
        "more": more,
        "limit": FUND_ENTRY_LIMIT,
        "can_book": can_book,
        "income_form": income_form,
        "expenditure_form": expenditure_form,
        "reversal_form": reversal_form if reversible or reversal_form.errors else None,
    }
    status = status_for(income_form, expenditure_form, reversal_form)
    return render(request, "stations/fund_detail.html", context, status=status)


urlpatterns = [
    path("", station_list, name="station-list"),
    path("new/", station_new, name="station-new"),
    path("<int:station_id>/", station_detail, name="station-detail"),
    path("<int:station_id>/edit/", station_edit, name="station-edit"),
    path("<int:station_id>/staff/", staff_add, name="staff-add"),
    path("staff/<int:staff_id>/remove/", staff_remove, name="staff-remove"),
    path("<int:station_id>/service-points/", point_add, name="point-add"),
    path("service-points/<int:point_id>/remove/", point_remove, name="point-remove"),
    path("units/", unit_list, name="unit-list"),
    path("units/new/", unit_new, name="unit-new"),
    path("units/<int:unit_id>/edit/", unit_edit, name="unit-edit"),
    path("coverage/", coverage, name="coverage"),
    path("reception/", reception_list, name="reception-list"),
    path("reception/new/", reception_new, name="reception-new"),
    path("reception/<int:record_id>/", reception_detail, name="reception-detail"),
    path("funds/", fund_list, name="fund-list"),
    path("funds/<int:account_id>/", fund_detail, name="fund-detail"),
]
