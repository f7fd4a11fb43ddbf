from functools import cache

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500 rows a page)."""

    page_size_query_param = "page_size"
    max_page_size = 500


@cache
def paginated(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The page ``Pagination`` answers, for the schema of a view that pages by hand (an ``APIView`` calling
    ``Pagination().get_paginated_response``): ``extend_schema(responses=paginated(RowSerializer))``. drf-spectacular
    describes the paging of generic list views itself; of an ``APIView`` it would say "an array"."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return type(
        f"Paginated{name}ListSerializer",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "__module__": serializer_class.__module__,
        },
    )


# The query parameters of a page, for the same views (a generic list view gets them from drf-spectacular).
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", int, description="Number of results to return per page (at most 500)."),
]
