"""Sane ranges for dates and years, on input and in query strings.

Two kinds of checks, one place:

- **Query parameters** (``?year=``, ``?start=``): :func:`query_year` and :func:`query_date` parse them and keep
  them within ``BANGFU_YEAR_MIN`` … ``BANGFU_YEAR_MAX`` (settings; 2000–2100 by default: the platform holds no
  figures before 2000 and a period past 2100 is a typing mistake). A bad value raises :class:`BadQuery`, which
  names the parameter: the API answers 400 with ``errors[0].field`` set to it (``core.api.errors``), a page
  answers a 400 page that says which parameter is wrong (``core.views.tenant_page``).
- **Dates that record what happened** (a visit, a payment, assistance given, a pairing's start, a station's
  opening): validators for form and serializer fields that refuse the future and anything before a floor.
  :data:`RECORD_FLOOR` (2000-01-01) for the records of assistance work — nothing the platform tracks happened
  before it and older "dates" are typos (1800 for 2018); :data:`FOUNDING_FLOOR` (1949-10-01) for organisations,
  which may be old. Both floors also keep datetimes clear of the pre-1901 local mean time of Asia/Shanghai
  (+08:05:43), which is not a valid RFC 3339 offset.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

RECORD_FLOOR = date(2000, 1, 1)
FOUNDING_FLOOR = date(1949, 10, 1)
# A clock a few minutes ahead of the server's is not the future.
CLOCK_SKEW = timedelta(minutes=5)


def year_bounds() -> tuple[int, int]:
    return getattr(settings, "BANGFU_YEAR_MIN", 2000), getattr(settings, "BANGFU_YEAR_MAX", 2100)


# ------------------------------------------------------------------------------------------- query strings
class BadQuery(BadRequest):
    """A query parameter that is not a sane value; ``field`` is its name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _year_in_range(field: str, year: int) -> int:
    low, high = year_bounds()
    if not low <= year <= high:
        raise BadQuery(
            field,
            _("%(field)s: the year must be between %(low)s and %(high)s.") % {"field": field, "low": low, "high": high},
        )
    return year


def query_year(params, field: str = "year", default: int | None = None) -> int:
    """The year in ``params[field]`` (this year when absent or empty, unless a default is given)."""
    raw = (params.get(field) or "").strip()
    if not raw:
        return default if default is not None else timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise BadQuery(field, _("%(field)s: enter a year, e.g. 2026.") % {"field": field}) from None
    return _year_in_range(field, year)


def query_date(params, field: str = "start", default: date | None = None) -> date:
    """The date (YYYY-MM-DD) in ``params[field]`` (today when absent or empty, unless a default is given)."""
    raw = (params.get(field) or "").strip()
    if not raw:
        return default if default is not None else timezone.localdate()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(field, _("%(field)s: enter a date as YYYY-MM-DD.") % {"field": field}) from None
    _year_in_range(field, day.year)
    return day


# ------------------------------------------------------------------------------------------- input fields
def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


class _Between:
    """Callable validator: ``floor <= value`` and, unless ``future`` is allowed, not after now."""

    def __init__(self, floor: date, future: bool = False):
        self.floor = floor
        self.future = future

    def __call__(self, value):
        if value is None:
            return
        if _as_date(value) < self.floor:
            raise ValidationError(
                _("Enter a date on or after %(floor)s.") % {"floor": date_format(self.floor, "Y-m-d")},
                code="too_early",
            )
        if not self.future:
            if isinstance(value, datetime):
                now = timezone.now() if timezone.is_aware(value) else datetime.now()
                late = value > now + CLOCK_SKEW
            else:
                late = value > timezone.localdate()
            if late:
                raise ValidationError(_("Enter a date that is not in the future."), code="in_future")

    def __eq__(self, other):  # validators are compared by migrations and forms
        return isinstance(other, _Between) and (self.floor, self.future) == (other.floor, other.future)


# A record of assistance work: a visit, a payment, assistance given, a pairing, a home visit.
past_record = _Between(RECORD_FLOOR)
# When an organisation or station came into being (or closed): may be long ago, not in the future.
past_founding = _Between(FOUNDING_FLOOR)
