"""Query filters of the station API (django-filter)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from core.people.models import Unit
from stations.models import FundAccount, ReceptionRecord, Station, StationPolicy


class UnitFilter(django_filters.FilterSet):
    class Meta:
        model = Unit
        fields = ["kind", "parent", "has_union", "above_designated_size"]


class StationFilter(django_filters.FilterSet):
    class Meta:
        model = Station
        fields = ["kind", "unit", "is_pilot"]


def overdue_cutoff(policy: StationPolicy, today=None) -> datetime:
    """The start (local time) of the last day a visit may have happened without being overdue today:
    ``ReceptionRecord.is_overdue`` ⇔ not closed and visited_at < this moment."""
    today = today or timezone.localdate()
    day = today - timedelta(days=policy.reception_time_limit_days)
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class ReceptionFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Not closed within the tenant's reception time limit"
    )

    class Meta:
        model = ReceptionRecord
        fields = ["station", "stage", "category", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = ~Q(stage=ReceptionRecord.Stage.CLOSED) & Q(visited_at__lt=overdue_cutoff(StationPolicy.current()))
        return queryset.filter(overdue if value else ~overdue)


class FundAccountFilter(django_filters.FilterSet):
    class Meta:
        model = FundAccount
        fields = ["station"]
