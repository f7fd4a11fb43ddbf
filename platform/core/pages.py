"""The page kit: what every app's pages (core or plugin) repeat, written once.

- ``tenant_page(perm)``: a page on a tenant host — login required, then the permission (404 otherwise, the same
  answer as for a missing object).
- ``can(request, perm)``: whether to show a button or a form.
- ``get_or_404(queryset, pk)``: one row of a queryset that is already scoped to what the user may see.
- ``posted(request)`` / ``status_for(*forms)``: bind a form on POST only; answer 400 when any form has errors.
- ``form_errors_from(form, exc)``: a service's ``ValidationError`` shown at the form's fields.
- ``money(value)``: a Decimal amount as "1,234.50" (never a float).
- ``no_store(response)``: pages and files that may carry a full ID number are never cached.
- ``xlsx_response(content, filename)``: an Excel download with a Chinese file name, not cached.
- ``ListPage``: a list with django-filter's filters, sorting, pagination and the total count.
"""

from __future__ import annotations

import re
from functools import wraps
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from core.access import has_permission, require
from core.dates import BadQuery

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tenant_page(perm: str):
    """A page on a tenant host: login required, then `perm` (404 otherwise, as for a missing object)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.tenant is None:
                raise Http404
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require(request.user, request.tenant, perm)
            try:
                return view(request, *args, **kwargs)
            except BadQuery as exc:  # a year or date out of range in the query string
                context = {"field": exc.field, "message": exc.message}
                return render(request, "core/bad_request.html", context, status=400)

        return wrapped

    return decorator


def can(request, perm: str) -> bool:
    """Whether the request's user holds `perm` on the request's tenant (for showing a button or a form)."""
    return has_permission(request.user, getattr(request, "tenant", None), perm)


def get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def posted(request):
    return request.POST if request.method == "POST" else None


def status_for(*forms) -> int:
    return 400 if any(form is not None and form.errors for form in forms) else 200


def form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def money(value) -> str:
    """A Decimal amount as "1,234.50" (exact: Decimal formatting, never float); blank for None."""
    return "" if value is None else f"{value:,.2f}"


def no_store(response):
    """Never cached, by the browser or anything in between (max-age=0, no-cache, no-store, private)."""
    add_never_cache_headers(response)
    return response


def content_disposition(filename: str, *, fallback: str = "download.xlsx") -> str:
    """An attachment named `filename` (UTF-8, RFC 6266/5987), with a safe ASCII fallback for old clients."""
    ascii_name = filename if filename.isascii() else fallback
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name) or "download.xlsx"
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(content: bytes, filename: str, *, fallback: str = "download.xlsx") -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    return no_store(response)


class ListPage:
    """A list page's rows: filtered by a django-filter FilterSet, sorted by an allowed field, paged, counted.

    ``ListPage(request, queryset, filterset_class, sorts={"name": "姓名"…}, default_sort="-id")`` → ``.filters``
    (the bound FilterSet, for the filter bar), ``.page`` (a Django Page), ``.total``, ``.sort`` and
    ``.querystring(**changes)`` for links that keep the other parameters, ``.sort_links()`` for the sort bar.
    With ``default_sort=""`` and ``arrange=function``, a list no column sorts is ``arrange(rows)`` (a list).
    Templates ``core/list_bar.html`` (total, sort links) and ``core/list_pager.html`` show a ``list``.
    """

    def __init__(
        self, request, queryset, filterset_class=None, *, sorts=None, default_sort="-pk", per_page=50, arrange=None
    ):
        self.request = request
        # The request goes to the FilterSet too: its choices (stations, units) are scoped to what the user may see.
        self.filters = (
            filterset_class(request.GET or None, queryset=queryset, request=request) if filterset_class else None
        )
        rows = self.filters.qs if self.filters is not None and self.filters.is_valid() else queryset
        self.sorts = dict(sorts or {})
        wanted = request.GET.get("sort", "")
        self.sort = wanted if wanted.lstrip("-") in self.sorts else default_sort
        if self.sort or arrange is None:
            rows = rows.order_by(self._ordering(self.sort or "pk"), "pk")
        else:  # no column chosen: an order SQL cannot give (a tree), `arrange(rows)` → the rows as a list
            rows = arrange(rows)
        self.paginator = Paginator(rows, per_page)
        self.page = self.paginator.get_page(request.GET.get("page"))
        self.total = self.paginator.count

    @staticmethod
    def _ordering(sort: str):
        # Blanks last whichever way round: a column sorted by size shows sizes first, not the rows without one.
        column = F(sort.lstrip("-"))
        return column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)

    def sort_links(self) -> list[dict]:
        """One link per sortable column: ascending first, a second click turns it round; a new sort starts at page 1."""
        links = []
        for key, label in self.sorts.items():
            state = "asc" if self.sort == key else "desc" if self.sort == f"-{key}" else ""
            wanted = f"-{key}" if state == "asc" else key
            links.append({"label": label, "state": state, "query": self.querystring(sort=wanted, page=None)})
        return links

    def querystring(self, **changes) -> str:
        params = self.request.GET.copy()
        for key, value in changes.items():
            if value in (None, ""):
                params.pop(key, None)
            else:
                params[key] = value
        return params.urlencode()
