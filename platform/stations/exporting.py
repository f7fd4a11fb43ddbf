"""Excel exports of the station data: the fund ledger of one account.

Amounts are numeric cells with the ``0.00`` format whose stored text is the Decimal's own (``exact_number``), so the
sheet holds exactly the ledger's figures and adds up to the cent.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from stations.models import FundEntry
from stations.services import access_account

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def exact_number(cell, value: Decimal, number_format: str = MONEY_FORMAT) -> None:
    """Make `cell` a numeric cell whose XML text is the Decimal's exact digits.

    openpyxl 3.1 would write a Decimal through ``"%.16g" % float(value)`` (-99.99 becomes -99.98999999999999);
    its writer emits a numeric cell's value with ``safe_string``, which passes a str through unchanged."""
    cell.value = value  # sets the numeric data type (and validates the value)
    cell._value = format(value, "f")
    cell.number_format = number_format


def export_ledger(actor, tenant, account_id) -> bytes:
    """The account's ledger as .xlsx: name, balance and export time, then every entry oldest first.
    Raises Http404 for an account the actor may not see (StationsPerm.VIEW_FUNDS and the station scope)."""
    account = access_account(actor, tenant, account_id)
    entries = list(FundEntry.objects.filter(account=account).select_related("created_by").order_by("id"))
    number_of = {entry.pk: index for index, entry in enumerate(entries, start=1)}

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ledger")[:31]
    bold = Font(bold=True)
    sheet.append([_("Account"), account.name])
    sheet.append([_("Station"), account.station.name if account.station_id else _("The union's own account")])
    sheet.append([_("Balance"), None])
    exact_number(sheet["B3"], account.balance)
    sheet.append([_("Exported at"), timezone.localtime().replace(tzinfo=None, microsecond=0)])
    sheet["B4"].number_format = DATETIME_FORMAT
    for row in range(1, 5):
        sheet.cell(row=row, column=1).font = bold
    sheet.append([])

    headers = [
        _("No."),
        _("Date"),
        _("Kind"),
        _("Amount"),
        _("Source"),
        _("Donor"),
        _("Purpose"),
        _("Approved by"),
        _("Note"),
        _("Balance after"),
        _("Booked by"),
        _("Reverses No."),
    ]
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    for entry in entries:
        booked_by = entry.created_by.get_full_name() or entry.created_by.get_username()
        sheet.append(
            [
                number_of[entry.pk],
                entry.booked_on,
                entry.get_kind_display(),
                None,  # amount, below
                entry.get_source_display() if entry.source else "",
                entry.donor,
                entry.purpose,
                entry.approver,
                entry.note,
                None,  # balance after, below
                booked_by,
                number_of.get(entry.reverses_id) if entry.reverses_id else None,
            ]
        )
        row = sheet.max_row
        sheet.cell(row=row, column=2).number_format = DATE_FORMAT
        exact_number(sheet.cell(row=row, column=4), entry.amount)
        exact_number(sheet.cell(row=row, column=10), entry.balance_after)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    widths = [6, 12, 10, 14, 22, 20, 24, 12, 30, 14, 12, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.column_dimensions["B"].width = max(12, min(60, len(account.name) * 2 + 4))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_filename(account) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) for the download of an account's ledger."""
    day = timezone.localdate().strftime("%Y%m%d")
    readable = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", account.name).strip() or "ledger"
    return f"fund-ledger-{account.pk}-{day}.xlsx", f"{readable}-{day}.xlsx"
