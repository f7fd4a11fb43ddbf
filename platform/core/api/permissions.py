"""API permission classes: membership on the request's tenant, plus a named permission per view."""

from rest_framework.permissions import BasePermission

from core.access import has_permission, membership_for


class IsTenantMember(BasePermission):
    """The default for every API view: an authenticated member of this tenant.

    A view may name ``required_permission`` (or a dict by HTTP method in ``required_permissions``)."""

    def has_permission(self, request, view):
        tenant = getattr(request._request, "tenant", None)
        user = request.user
        if tenant is None or not user or not user.is_authenticated or membership_for(user, tenant) is None:
            return False
        perm = getattr(view, "required_permissions", {}).get(request.method) or getattr(
            view, "required_permission", None
        )
        return perm is None or has_permission(user, tenant, perm)
