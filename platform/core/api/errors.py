"""One error body for the whole API.

Every error answers ``{"detail": <summary>, "errors": [{"field": <name or null>, "reason": <text>,
"code": <code>}]}``; ``field`` is a dotted path for nested input (``members.0.role``) and null for errors that are
not about one field.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.dates import BadQuery


def _flatten(detail, prefix=None):
    if isinstance(detail, dict):
        for key, value in detail.items():
            # Keys may be list indexes (DRF reports nested list errors as {0: {...}}); index 0 is a name too.
            name = None if key in ("non_field_errors", "__all__") else str(key)
            if name is None:
                field = prefix
            else:
                field = f"{prefix}.{name}" if prefix else name
            yield from _flatten(value, field)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield {"field": prefix, "reason": str(item), "code": getattr(item, "code", "invalid")}
        else:
            for index, item in enumerate(detail):
                yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield {"field": prefix, "reason": str(detail), "code": getattr(detail, "code", "error")}


def exception_handler(exc, context):
    if isinstance(exc, BadQuery):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    errors = list(_flatten(response.data if isinstance(exc, exceptions.ValidationError) else exc.detail))
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        detail = _("Invalid input.")
    else:
        detail = errors[0]["reason"] if errors else str(exc)
    kept = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response({"detail": detail, "errors": errors}, status=response.status_code, headers=kept)
