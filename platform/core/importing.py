"""The spreadsheet-import kit: one reader, one report, one base class, one page and one API view for every import.

An app imports a spreadsheet by subclassing ``Importer``: it declares its ``columns`` (``Column``: the template's
Chinese header, English aliases, whether it is required and whether it holds personal data such as an ID number),
the permission, ``parse_row(number, raw, report)`` (one row's cells → the app's row object, cell problems in the
report) and ``save_rows(rows, report)`` (the checks that need the whole file, then the writes). The kit does the
rest, the same way for every import:

- the reader: size limit, the .xlsx check (old .xls, foreign or damaged files, zip bombs), the first sheet, the
  header row matched to the columns (unknown, repeated and missing columns reported on row 1), empty rows skipped,
  the row limit;
- all or nothing: ``save_rows`` runs in one transaction, rolled back when the report holds any problem;
- ``ImportReport``: problems by the row number Excel shows, the column's header as written in the file and the cell
  (D5); long numbers masked when the importer declares a personal column; the list capped (“… and N more”); Chinese
  messages through gettext;
- ``import_pages(...)``: the upload page (``core/import.html``) and the template download;
- the API view lives in ``core.api.imports`` (``import_api_view``), the large-file worker in ``core.jobs``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.access import require
from core.jobs.models import ImportJob
from core.jobs.services import store_import_job
from core.pages import no_store, tenant_page, xlsx_response
from core.pii import mask_resident_id

MAX_FILE_SIZE = 5 * 1024 * 1024  # bytes, as uploaded
MAX_UNPACKED_SIZE = 200 * 1024 * 1024  # bytes of XML inside the .xlsx (a zip): guards against zip bombs
MAX_LISTED_ERRORS = 1000  # a report lists at most this many problems (and counts the rest)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    field: str  # the importer's name for the column's value
    header: str  # the template's (Chinese) header
    aliases: tuple[str, ...] = ()  # other names, compared case- and space-insensitively
    required: bool = False  # the header must be present
    personal: bool = False  # holds personal data (an ID number): never quoted in full in a report
    household: bool = False  # dossiers: a fact of the household, not of the row's person


# --------------------------------------------------------------------------------------------------- report
@dataclass(frozen=True)
class RowError:
    """One problem: the row as Excel numbers it (None for the whole file), the column's header as written in the
    file (None when the problem is not about one column), and why."""

    row: int | None
    column: str | None
    reason: str
    code: str = "invalid"
    column_letter: str | None = None

    @property
    def cell(self) -> str | None:
        if self.row is None or self.column_letter is None:
            return None
        return f"{self.column_letter}{self.row}"


# Anything in a message that looks like a resident ID number (or a long account number) is shown masked: a message
# may quote a cell, and a cell may hold a number that was typed into the wrong column.
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15,30})(?![0-9A-Za-z])")


def masked(text: str) -> str:
    return LONG_NUMBER.sub(lambda match: mask_resident_id(match.group(0)), text)


class ImportReport:
    """What an import found: problems by row and column (capped, counted), or what it saved.

    The importer names what it saved (``saved_as``, e.g. "units": ``report.units``) and may keep other counts in
    ``counts`` (``report.members``), so callers read the app's words rather than a generic bucket."""

    def __init__(self, importer: Importer | None = None):
        self.importer = importer
        self.rows = 0  # data rows read (empty rows not counted)
        self.created = 0
        self.errors: list[RowError] = []
        self.error_count = 0  # all problems found; `errors` lists the first MAX_LISTED_ERRORS
        self.saved: list = []
        self.counts: dict[str, int] = dict.fromkeys(importer.counted if importer else (), 0)
        # field → (header as written in the file, column letter)
        self.column_names: dict[str, tuple[str, str]] = {}
        self._seen: set = set()

    def __getattr__(self, name):
        if name.startswith("_") or name in ("importer", "saved", "counts"):
            raise AttributeError(name)
        if self.importer is not None and name == self.importer.saved_as:
            return self.saved
        if name in self.counts:
            return self.counts[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"<ImportReport rows={self.rows} created={self.created} errors={self.errors!r}>"

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def unlisted(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def _masks(self) -> bool:
        return self.importer is not None and any(column.personal for column in self.importer.columns)

    def add(self, row, column, reason, code="invalid", column_letter=None) -> None:
        reason = str(reason)
        if self._masks:
            reason = masked(reason)
        error = RowError(row, column, reason, code, column_letter)
        if error in self._seen:
            return
        self._seen.add(error)
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def column_of(self, field_name: str | None) -> tuple[str | None, str | None]:
        """The header as written in the file (the template's when the column is absent) and its letter."""
        if field_name is None:
            return None, None
        if field_name in self.column_names:
            return self.column_names[field_name]
        column = self.importer.column_by_field().get(field_name) if self.importer else None
        return (column.header if column else field_name), None

    def add_for(self, row: int | None, field_name: str | None, reason, code="invalid") -> None:
        """A problem of one row's column, named by the importer's field."""
        header, letter = self.column_of(field_name)
        self.add(row, header, reason, code, letter)

    def clear_errors(self) -> None:
        self.errors.clear()
        self._seen.clear()
        self.error_count = 0

    def sort(self) -> None:
        """By row, then in the order of the template's columns (file problems first)."""
        if self.importer is None:
            return
        order = {column.field: index for index, column in enumerate(self.importer.columns)}
        written = {header: name for name, (header, _letter) in self.column_names.items()}
        lookup = self.importer.header_lookup()

        def field_of(header):
            return written.get(header) or (lookup.get(header_key(header)) if header else None)

        self.errors.sort(key=lambda e: (e.row or 0, order.get(field_of(e.column), 99)))

    def summary(self) -> str:
        if self.ok:
            return self.importer.success_message(self) if self.importer else ""
        return ngettext(
            "Nothing was imported: the file has %(count)d problem.",
            "Nothing was imported: the file has %(count)d problems.",
            self.error_count,
        ) % {"count": self.error_count}

    def as_json(self) -> dict:
        """For the worker's job record and the page that polls it."""
        return {
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "summary": self.summary(),
            "error_count": self.error_count,
            "unlisted": self.unlisted,
            "errors": [
                {"row": e.row, "column": e.column, "cell": e.cell, "reason": e.reason, "code": e.code}
                for e in self.errors
            ],
        }


# ---------------------------------------------------------------------------------------------- reading
def header_key(text) -> str:
    text = str(text or "").strip()
    text = re.sub(r"[（(].*?[）)]", "", text)  # "职工人数（人）", "Employees (count)"
    text = text.replace("*", "").replace("＊", "")
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


TRUE_WORDS = {"是", "有", "y", "yes", "1", "true", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "0", "false", "f"}


def parse_bool(value):
    """True / False, or None when the value is not a yes/no word."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = cell_text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _read_upload(file, max_size: int) -> tuple[bytes | None, str | None]:
    """The uploaded bytes, or (None, reason) when the file is larger than ``max_size``."""
    too_large = _("The file is larger than %(size)d MB; split it into smaller files.") % {
        "size": max_size // (1024 * 1024)
    }
    size = getattr(file, "size", None)
    if size is not None and size > max_size:
        return None, too_large
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_size + 1)
    if len(data) > max_size:
        return None, too_large
    return data, None


def not_xlsx(file, data: bytes) -> str | None:
    name = str(getattr(file, "name", "") or "")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return _("This is an old Excel file (.xls). Open it in Excel or WPS and save it as .xlsx.")
    if name and not name.lower().endswith(".xlsx"):
        return _("Upload an Excel workbook (.xlsx); “%(name)s” is not one.") % {"name": name.rsplit("/", 1)[-1]}
    if data[:2] != b"PK":
        return _("This file is not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_SIZE:
                return _("The workbook is too large once unpacked; split it into smaller files.")
    except zipfile.BadZipFile:
        return _("This file is not an Excel workbook (.xlsx).")
    return None


def read_upload(file, report: ImportReport, max_size: int = MAX_FILE_SIZE) -> bytes | None:
    """The upload's bytes once checked (size, .xlsx, not a zip bomb), or None with the reason in ``report``."""
    data, reason = _read_upload(file, max_size)
    if reason is None:
        reason = not_xlsx(file, data)
    if reason is not None:
        report.add(None, None, reason, "file")
        return None
    return data


def open_workbook(data: bytes, report: ImportReport):
    """Checked bytes as an openpyxl workbook (read-only), or None when it is damaged."""
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        report.add(None, None, _("The workbook cannot be read; save it again as .xlsx and retry."), "file")
        return None


def map_columns(header, report: ImportReport, importer: Importer) -> dict[int, tuple[str, str, str]] | None:
    """Match the header row to fields: {column index: (field, header as written, letter)}, or None after reporting
    unknown, repeated and missing columns on row 1. Sets ``report.column_names``."""
    lookup = importer.header_lookup()
    columns: dict[int, tuple[str, str, str]] = {}
    for index, value in enumerate(header[: importer.max_columns]):
        text = cell_text(value)
        if not text:
            continue
        letter = get_column_letter(index + 1)
        found = lookup.get(header_key(text))
        if found is None:
            report.add(1, text, _("Unknown column; use the names of the template."), "header", letter)
        elif found in {f for f, _h, _l in columns.values()}:
            report.add(1, text, _("This column appears twice."), "header", letter)
        else:
            columns[index] = (found, text, letter)
    present = {f for f, _h, _l in columns.values()}
    for column in importer.columns:
        if column.required and column.field not in present:
            report.add(1, column.header, _("The column “%(name)s” is missing.") % {"name": column.header}, "header")
    if not report.ok:
        return None
    report.column_names = {f: (h, letter) for f, h, letter in columns.values()}
    return columns


def count_rows(data: bytes, *, up_to: int | None = None) -> int:
    """The data rows of a checked workbook (empty rows not counted; 0 when it cannot be read), counting stops past
    ``up_to``: decides whether an import runs at once or in the worker."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return 0
    try:
        if not workbook.worksheets:
            return 0
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        lines = sheet.iter_rows(values_only=True)
        next(lines, None)
        count = 0
        for values in lines:
            if values and any(cell_text(value) for value in values):
                count += 1
                if up_to is not None and count > up_to:
                    break
        return count
    finally:
        workbook.close()


# ---------------------------------------------------------------------------------------------- importer
class Importer:
    """An app's import: declare the columns, parse a row, save the rows. ``Importer(actor, tenant).run(file)``."""

    columns: ClassVar[tuple[Column, ...]] = ()
    permission: ClassVar[str] = ""
    saved_as: ClassVar[str] = "saved"  # what report.<saved_as> calls the saved objects
    counted: ClassVar[tuple[str, ...]] = ()  # other counts of the report, 0 until save_rows sets them
    max_file_size: ClassVar[int] = MAX_FILE_SIZE
    max_rows: ClassVar[int] = 20_000  # data rows, the header not counted
    max_columns: ClassVar[int] = 50
    header_hint: ClassVar = gettext_lazy("The first row must hold the column names of the template.")
    empty_message: ClassVar = gettext_lazy("The file has no rows below the header row.")
    changed_message: ClassVar = gettext_lazy("The data changed while the file was imported; nothing was saved.")

    def __init__(self, actor, tenant, progress=None):
        self.actor = actor
        self.tenant = tenant
        # progress(rows read so far): the worker records how far a large import has come
        self.progress = progress or (lambda done: None)

    # --- what a subclass declares
    def parse_row(self, number: int, raw: dict, report: ImportReport):  # pragma: no cover - abstract
        raise NotImplementedError

    def save_rows(self, rows: list, report: ImportReport) -> None:  # pragma: no cover - abstract
        """Check what needs the whole file and write; runs in one transaction, rolled back if the report has any
        problem. Sets ``report.created`` and ``report.saved``."""
        raise NotImplementedError

    def success_message(self, report: ImportReport) -> str:
        return ngettext("%(count)d row imported.", "%(count)d rows imported.", report.created) % {
            "count": report.created
        }

    # --- the kit
    @classmethod
    def column_by_field(cls) -> dict[str, Column]:
        return {column.field: column for column in cls.columns}

    @classmethod
    def header_lookup(cls) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for column in cls.columns:
            lookup[header_key(column.header)] = column.field
            for alias in column.aliases:
                lookup[header_key(alias)] = column.field
        return lookup

    def check_permission(self) -> None:
        require(self.actor, self.tenant, self.permission)

    def run(self, file) -> ImportReport:
        """Import an .xlsx upload (a Django UploadedFile, a binary file object or bytes); ``report.ok`` says whether
        every row was saved or nothing was."""
        self.check_permission()
        report = ImportReport(self)
        data = read_upload(file, report, self.max_file_size)
        if data is None:
            return report
        return self.run_checked(data, report)

    def run_checked(self, data: bytes, report: ImportReport | None = None) -> ImportReport:
        report = report or ImportReport(self)
        workbook = open_workbook(data, report)
        if workbook is None:
            return report
        try:
            rows = self.read_rows(workbook, report)
        finally:
            workbook.close()
        if not rows:
            return report
        try:
            with transaction.atomic():
                self.save_rows(rows, report)
                if not report.ok:
                    transaction.set_rollback(True)
        except IntegrityError:
            # Someone changed the same data while we were importing (a unique value saved meanwhile).
            report.add(None, None, self.changed_message)
        if not report.ok:
            report.created = 0
            report.saved = []
            report.sort()
        return report

    def read_rows(self, workbook, report: ImportReport) -> list | None:
        """The non-empty rows below the header, each parsed (problems of single cells are in the report); None when
        the file cannot be imported at all (no header, unknown columns, too many rows)."""
        if not workbook.worksheets:
            report.add(None, None, _("The workbook has no sheet."), "file")
            return None
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # files from some programs declare a wrong used range
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None or all(cell_text(value) == "" for value in header):
            report.add(1, None, self.header_hint, "header")
            return None
        columns = map_columns(header, report, self)
        if columns is None:
            return None
        rows: list = []
        for number, values in enumerate(lines, start=2):
            if values is None or all(cell_text(value) == "" for value in values):
                continue
            if len(rows) >= self.max_rows:
                report.clear_errors()
                report.add(
                    None,
                    None,
                    _("The file has more than %(max)d rows; split it into smaller files.") % {"max": self.max_rows},
                    "too_many_rows",
                )
                return None
            raw = {f: values[index] if index < len(values) else None for index, (f, _h, _l) in columns.items()}
            rows.append(self.parse_row(number, raw, report))
            self.progress(len(rows))
        report.rows = len(rows)
        if not rows:
            report.add(None, None, self.empty_message, "empty")
        return rows


# ------------------------------------------------------------------------------------------------ worker
def start_import(importer_class: type[Importer], actor, tenant, file) -> ImportReport | ImportJob:
    """Run an upload's import now, or — above ``settings.IMPORT_WORKER_THRESHOLD`` rows — store it as an
    ``ImportJob`` sent to the worker once committed (a request should not hold thousands of rows' checks)."""
    importer = importer_class(actor, tenant)
    importer.check_permission()
    report = ImportReport(importer)
    data = read_upload(file, report, importer.max_file_size)
    if data is None:
        return report
    threshold = settings.IMPORT_WORKER_THRESHOLD
    rows = count_rows(data, up_to=threshold)
    if rows <= threshold:
        return importer.run_checked(data, report)
    rows = count_rows(data)
    name = str(getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    job = store_import_job(importer_class, actor, data, file_name=name, rows=rows)
    # The worker must find the job: it is sent only once the row is committed. The sender is named in the settings
    # because the core sits below the worker and never imports it.
    send = import_string(settings.IMPORT_JOB_SENDER)
    transaction.on_commit(lambda: send(tenant, job.pk))
    return job


# -------------------------------------------------------------------------------------------------- template
def finish_template(workbook, column_help, limits: str, *, width: int) -> bytes:
    """Add the instructions sheet (each column and what to enter, then the limits) and return the .xlsx bytes.
    Shared by every import template."""
    notes = workbook.create_sheet(_("Instructions")[:31])
    notes.append([_("Column"), _("What to enter")])
    for header, explanation in column_help:
        notes.append([header, str(explanation)])
    notes.append([])
    notes.append([_("Limits"), limits])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------------- pages
class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )


def import_pages(importer_class: type[Importer], route: str, name: str, *, done: str, filename: str, fallback: str):
    """The URL patterns of an import: the upload page at ``route`` (named ``name``) and the template download at
    ``route + "template.xlsx"`` (``name + "-template"``). ``done`` names the page shown after a successful import;
    ``filename`` / ``fallback`` are the template's Chinese and ASCII file names."""

    @tenant_page(importer_class.permission)
    def upload(request):
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        report = None
        if request.method == "POST" and form.is_valid():
            report = start_import(importer_class, request.user, request.tenant, form.cleaned_data["file"])
            if isinstance(report, ImportJob):
                return redirect("jobs:import-job", job_id=report.pk)
            if report.ok:
                messages.success(request, report.summary())
                return redirect(done)
        namespace = request.resolver_match.namespace
        context = {
            "form": form,
            "report": report,
            "title": importer_class.title,
            "intro": importer_class.intro,
            "columns": importer_class.column_help(),
            "template_url": reverse(f"{namespace}:{name}-template" if namespace else f"{name}-template"),
            "max_rows": importer_class.max_rows,
            "max_megabytes": importer_class.max_file_size // (1024 * 1024),
        }
        failed = form.errors or (report is not None and not report.ok)
        # A report may quote what the file holds (masked, but still the tenant's data): never cached.
        return no_store(render(request, "core/import.html", context, status=400 if failed else 200))

    @tenant_page(importer_class.permission)
    def template(request):
        return xlsx_response(importer_class.template(), filename, fallback=fallback)

    return [
        path(route, upload, name=name),
        path(route + "template.xlsx", template, name=f"{name}-template"),
    ]
