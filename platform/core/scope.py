"""Which org units a membership may see — the one answer every list and lookup of unit-bound data uses.

A membership on a tenant is either tenant-wide (no unit, or the tenant admin role) or scoped to one unit, in which
case it sees that unit and every unit below it (an enterprise group's subsidiaries at any depth, a township's
communities). ``units_for`` says which; ``limit`` applies it to any queryset through the query paths that lead
to a unit (``"unit"``, ``"employer"``, ``"station__unit"`` …): a row is visible when any of its paths reaches a
visible unit.

Both assume the caller has already checked the permission (``core.access.require``): the scope narrows what a
permitted member sees; it does not grant anything.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.access import membership_for
from core.roles import Role


def unit_subtree_ids(unit_id: int) -> set[int]:
    """The unit and all units below it (an enterprise group's subsidiaries at any depth)."""
    from core.people.models import Unit  # models load after the apps registry; core.scope is imported early

    ids = {unit_id}
    frontier = [unit_id]
    while frontier:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def units_for(user, tenant) -> set[int] | None:
    """The unit ids `user`'s membership on `tenant` is limited to, or None for the whole tenant."""
    membership = membership_for(user, tenant)
    if membership is None or membership.unit_id is None or membership.role == Role.TENANT_ADMIN:
        return None
    return unit_subtree_ids(membership.unit_id)


def limit(queryset: QuerySet, user, tenant, *unit_paths: str) -> QuerySet:
    """`queryset` narrowed to the rows whose unit, reached by any of `unit_paths`, the membership may see.
    A path is a query path to a unit foreign key, or ``"pk"`` for a queryset of units."""
    if not unit_paths:
        raise ValueError("limit() needs at least one path to a unit")
    units = units_for(user, tenant)
    if units is None:
        return queryset
    condition = Q()
    for path in unit_paths:
        condition |= Q(**{f"{path}__in": units})
    return queryset.filter(condition)
