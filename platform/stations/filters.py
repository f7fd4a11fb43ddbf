"""Filters of the station pages' lists (django-filter), read from the query string by ``core.pages.ListPage``.
The parameter names are those the lists have always accepted: ``kind`` on the station list; ``stage``,
``station`` and ``overdue=1`` on the reception register."""

from __future__ import annotations

import django_filters
from django import forms
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
