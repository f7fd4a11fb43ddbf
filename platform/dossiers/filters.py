"""The dossier list's filters (django-filter), read from the query string by the list page and by its export, so
the export holds exactly the rows the list shows. The parameter names (``q``, ``status``, ``tier``, ``cause``,
``station``) are those the list has always accepted."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, HouseholdMember
from stations.models import Station


class DossierListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Applicant name"), method="filter_applicant", max_length=50)
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Dossier.Status.choices, empty_label=_("All statuses")
    )
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Dossier.Tier.choices, empty_label=_("All tiers"))
    cause = django_filters.ChoiceFilter(
        label=_("Cause"), choices=Dossier.Cause.choices, empty_label=_("All causes"), method="filter_cause"
    )
    station = django_filters.ModelChoiceFilter(
        label=_("Station"), queryset=Station.objects.none(), empty_label=_("All stations")
    )

    class Meta:
        model = Dossier
        fields = ["q", "status", "tier", "cause", "station"]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # Only the stations that hold one of the dossiers the user may see: the names of the others are not theirs.
        self.filters["station"].queryset = (
            Station.objects.filter(pk__in=self.queryset.values("station_id")).only("pk", "name").order_by("name")
        )

    def filter_applicant(self, dossiers, name, value):
        if not (value := value.strip()):
            return dossiers
        applicants = HouseholdMember.objects.filter(relation=HouseholdMember.Relation.APPLICANT, name__icontains=value)
        return dossiers.filter(pk__in=applicants.values("dossier_id"))

    def filter_cause(self, dossiers, name, value):
        return dossiers.filter(Q(main_cause=value) | Q(secondary_causes__contains=[value]))


def filtered_dossiers(params, visible):
    """`visible` narrowed by the valid filters of `params`; all of them when a filter is invalid (as the list)."""
    filters = DossierListFilter(params or None, queryset=visible)
    return filters.qs if filters.is_valid() else visible
