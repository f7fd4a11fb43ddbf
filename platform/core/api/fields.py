"""Serializer fields every app's API shares."""

from __future__ import annotations

from rest_framework import serializers


def money(**kwargs) -> serializers.DecimalField:
    """An amount in yuan: exact (Decimal, 2 places, up to 999,999,999,999.99) and a string in JSON, never a float."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)
