"""The API kit: one base for every app's API views (core or plugin).

``TenantAPIMixin`` gives a view the request's tenant (``self.tenant``), says when drf-spectacular is only
generating the schema (``self.schema_only``: no tenant, no database to ask) and pages a queryset the way every
list of the API is paged (``self.page``: ``{"count", "next", "previous", "results"}``). ``TenantAPIView`` is the
mixin on DRF's ``APIView``; viewsets add the mixin themselves. Permissions stay with ``core.access`` through each
view's ``required_permission`` (``core.api.permissions``).
"""

from __future__ import annotations

from rest_framework.views import APIView

from core.api.pagination import Pagination


class TenantAPIMixin:
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def tenant(self):
        return self.request._request.tenant

    @property
    def schema_only(self) -> bool:
        """Schema generation has no tenant (and no database to ask)."""
        return getattr(self, "swagger_fake_view", False)

    def page(self, queryset, serializer, **context):
        """One page of `queryset`, serialized, in the API's paged shape."""
        paginator = Pagination()
        rows = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer(rows, many=True, context=context or None).data)


# An API view of one tenant's data. No docstring on purpose: drf-spectacular would inherit it as the description
# of every operation whose view has none of its own.
class TenantAPIView(TenantAPIMixin, APIView):
    pass
