"""Excel export of the municipal figures: one sheet per table of a page (``rollups.views.Table``), the same numbers
the page shows — exact (Decimals, never floats), suppressed cells written as ``"<3"``, blank where there is no
figure. The first sheet row names the page, the period and when the figures were computed."""

from __future__ import annotations

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from rollups import services

SUPPRESSED = f"<{services.SUPPRESS_BELOW}"
HEADER_ROW = 3  # title, period/as-of, then the column headers


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name.lower())
    return name


def cell_value(cell):
    """What a table cell becomes in the sheet."""
    if cell.suppressed:
        return SUPPRESSED
    return cell.value


def workbook(title: str, tables, *, subtitle: str = "", as_of=None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    as_of_text = timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M") if as_of else "—"
    for table in tables:
        ws = wb.create_sheet(_sheet_title(table.title, used))
        ws.append([f"{title} · {table.title}"])
        ws["A1"].font = Font(bold=True)
        ws.append([subtitle, _("Figures as of"), as_of_text])
        ws.append([str(c) for c in table.columns])
        for cell in ws[HEADER_ROW]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([row.label, *(cell_value(c) for c in row.cells)])
        if table.note:
            ws.append([])
            ws.append([str(table.note)])
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
        ws.column_dimensions["A"].width = 32
        for i in range(2, len(table.columns) + 1):
            ws.column_dimensions[get_column_letter(i)].width = 16
    if not wb.worksheets:
        wb.create_sheet("—")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
