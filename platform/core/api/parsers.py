"""The API's JSON parser, with limits: a body of at most ``BANGFU_JSON_MAX_BYTES`` bytes, nested at most
``BANGFU_JSON_MAX_DEPTH`` levels (settings). Anything beyond answers 400 with the API's error body and a reason
that names the limit, before any serializer sees it: DRF's own parser lets a body nested a thousand levels deep
reach Python's recursion limit, which answered 500 to anyone, signed in or not.

No request of this API needs more than a few levels (a dossier: its members, each a dict) or more than a few
kilobytes; spreadsheets come as multipart uploads, which the form and multipart parsers keep handling.
"""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 1024 * 1024


def json_limits() -> tuple[int, int]:
    return (
        getattr(settings, "BANGFU_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH),
        getattr(settings, "BANGFU_JSON_MAX_BYTES", DEFAULT_MAX_BYTES),
    )


def depth_of(value, limit: int) -> int:
    """How deeply ``value`` nests lists and objects (a scalar: 0), looking no further than ``limit`` + 1 levels;
    without recursion, so that no value can exhaust the stack here."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def too_deep(limit: int) -> ParseError:
    return ParseError(
        _("The JSON body is nested too deeply: at most %(limit)s levels of objects and lists.") % {"limit": limit},
        code="json_too_deep",
    )


def too_large(limit: int) -> ParseError:
    return ParseError(
        _("The JSON body is too large: at most %(limit)s bytes.") % {"limit": limit}, code="json_too_large"
    )


def loads_bounded(raw: bytes | str, *, max_depth: int, max_bytes: int, strict: bool = True):
    """``json.loads`` within the limits; raises ``ParseError`` (400) naming the one that was exceeded."""
    if len(raw) > max_bytes:
        raise too_large(max_bytes)
    try:
        data = json.loads(raw, parse_constant=drf_json.strict_constant if strict else None)
    except RecursionError:
        raise too_deep(max_depth) from None
    except ValueError as exc:
        raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
    if depth_of(data, max_depth) > max_depth:
        raise too_deep(max_depth)
    return data


class BoundedJSONParser(JSONParser):
    """DRF's ``JSONParser`` with a size and a depth limit (see the module)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        max_depth, max_bytes = json_limits()
        raw = stream.read(max_bytes + 1) if stream is not None else b""
        if len(raw) > max_bytes:
            raise too_large(max_bytes)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        return loads_bounded(text, max_depth=max_depth, max_bytes=len(text), strict=api_settings.STRICT_JSON)
