"""Filters of the station pages' lists (django-filter), read from the query string by ``core.pages.ListPage``.
The parameter names are those the lists have always accepted: ``kind`` on the station list; ``stage``,
``station`` and ``overdue=1`` on the reception register; ``q`` and ``failing=1`` on the unit list."""

from __future__ import annotations

from collections import defaultdict

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations import services
from stations.models import ReceptionRecord, Station


class StationListFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Station.Kind.choices, empty_label=_("All kinds"))

    class Meta:
        model = Station
        fields = ["kind"]


class ReceptionListFilter(django_filters.FilterSet):
    """Over records annotated with ``overdue`` (``stations.views._with_overdue``)."""

    stage = django_filters.ChoiceFilter(
        label=_("Stage"), choices=ReceptionRecord.Stage.choices, empty_label=_("All stages")
    )
    station = django_filters.ModelChoiceFilter(
        label=_("Station"), queryset=Station.objects.none(), empty_label=_("All stations")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput(attrs={"value": "1"})
    )

    class Meta:
        model = ReceptionRecord
        fields = ["stage", "station", "overdue"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset=queryset, request=request, **kwargs)
        # The stations the user may see, whether or not they hold a record yet.
        self.filters["station"].queryset = (
            services.visible_stations(request.user, request.tenant).order_by("name").only("pk", "name")
        )

    def filter_overdue(self, records, name, value):
        return records.filter(overdue=True) if value else records


def open_station_kinds(units) -> dict[int, tuple[str, ...]]:
    """The kinds of the open stations of every unit of `units`, in one query (unit_compliance's `kinds`)."""
    open_stations = Station.objects.filter(services.open_on(timezone.localdate()), unit__in=units)
    kinds: dict[int, set[str]] = defaultdict(set)
    for unit_id, kind in open_stations.values_list("unit_id", "kind").distinct():
        kinds[unit_id].add(kind)
    return {unit_id: tuple(sorted(found)) for unit_id, found in kinds.items()}


class UnitListFilter(django_filters.FilterSet):
    """``q`` (part of the name, or the whole credit code) and ``failing=1``, as the unit list always read them."""

    q = django_filters.CharFilter(label=_("Name or credit code"), method="filter_name_or_code", max_length=100)
    failing = django_filters.BooleanFilter(
        label=_("Only enterprises lacking the required station"),
        method="filter_failing",
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    # No Meta.model: both filters are declared, and the unit model is free to move (core.people).

    def filter_name_or_code(self, units, name, value):
        if not (value := value.strip()):
            return units
        return units.filter(Q(name__icontains=value) | Q(credit_code=value.upper()))

    def filter_failing(self, units, name, value):
        if not value:
            return units
        # Compliance is a rule over the unit and its stations' kinds, not a column: computed, then kept by id.
        kinds = open_station_kinds(units)
        failing = [u.pk for u in units if not services.unit_compliance(u, kinds=kinds.get(u.pk, ())).complies]
        return units.filter(pk__in=failing)
