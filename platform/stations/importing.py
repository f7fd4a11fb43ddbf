"""Bulk import of units from an Excel workbook (.xlsx), all or nothing.

The first sheet holds one header row and one unit per row. Headers are the Chinese column names of the template
(``unit_import_template()``); the English names below are accepted as aliases. Every row is validated with
``services.build_unit`` plus the checks that need the whole file (duplicates within the file and against the
tenant's units, parents by name); if any row is wrong nothing is saved and the report lists every problem by the
row number Excel shows and the column's header. Otherwise all units are created in one transaction.

Parents are named in 上级单位: a unit already in the tenant, or one defined on an earlier row of the same file
(so a file can build a tree of any depth, parents above their children).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.access import require
from core.people.models import Unit
from core.people.validators import normalize_uscc, uscc_check_character
from core.roles import Perm
from stations.services import build_unit

MAX_FILE_SIZE = 5 * 1024 * 1024  # bytes, as uploaded
MAX_UNPACKED_SIZE = 200 * 1024 * 1024  # bytes of XML inside the .xlsx (a zip): guards against zip bombs
MAX_ROWS = 20_000  # data rows, the header not counted
MAX_COLUMNS = 50
MAX_LISTED_ERRORS = 1000  # a report lists at most this many problems (and counts the rest)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    field: str  # Unit field
    header: str  # the template's (Chinese) header
    aliases: tuple[str, ...]  # English names, compared case- and space-insensitively


COLUMNS = (
    Column("name", "单位名称", ("name", "unit name", "unit")),
    Column("kind", "单位类型", ("kind", "type", "unit type", "unit kind")),
    Column("parent", "上级单位", ("parent", "parent unit", "parent name")),
    Column(
        "credit_code",
        "统一社会信用代码",
        ("credit code", "credit_code", "uscc", "unified social credit code", "social credit code"),
    ),
    Column("employee_count", "职工人数", ("employees", "employee count", "employee_count", "number of employees")),
    Column("has_union", "是否建会", ("has union", "has_union", "union")),
    Column("union_is_sound", "工会是否健全", ("union is sound", "union_is_sound", "sound union")),
    Column(
        "above_designated_size",
        "是否规模以上",
        ("above designated size", "above_designated_size", "above size", "designated size"),
    ),
    Column("industry", "行业", ("industry",)),
    Column(
        "without_premises",
        "楼宇经济无场所",
        (
            "without premises",
            "without_premises",
            "no premises",
            "building economy",
            "building economy without premises",
        ),
    ),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_FIELDS = ("name", "kind")
BOOLEAN_FIELDS = ("has_union", "union_is_sound", "above_designated_size", "without_premises")

# 单位类型: the template's words, their common spellings with separators, and the English values/labels.
KIND_WORDS = {
    "工会": Unit.Kind.UNION,
    "总工会": Unit.Kind.UNION,
    "企业": Unit.Kind.ENTERPRISE,
    "开发区园区": Unit.Kind.ZONE,
    "开发区": Unit.Kind.ZONE,
    "园区": Unit.Kind.ZONE,
    "乡镇街道": Unit.Kind.TOWNSHIP,
    "乡镇": Unit.Kind.TOWNSHIP,
    "街道": Unit.Kind.TOWNSHIP,
    "社区村": Unit.Kind.COMMUNITY,
    "社区": Unit.Kind.COMMUNITY,
    "村": Unit.Kind.COMMUNITY,
    "union": Unit.Kind.UNION,
    "enterprise": Unit.Kind.ENTERPRISE,
    "zone": Unit.Kind.ZONE,
    "park": Unit.Kind.ZONE,
    "developmentzoneindustrialpark": Unit.Kind.ZONE,
    "township": Unit.Kind.TOWNSHIP,
    "street": Unit.Kind.TOWNSHIP,
    "townshipstreet": Unit.Kind.TOWNSHIP,
    "community": Unit.Kind.COMMUNITY,
    "village": Unit.Kind.COMMUNITY,
    "communityvillage": Unit.Kind.COMMUNITY,
}
KIND_TEMPLATE_WORDS = {
    Unit.Kind.UNION: "工会",
    Unit.Kind.ENTERPRISE: "企业",
    Unit.Kind.ZONE: "开发区园区",
    Unit.Kind.TOWNSHIP: "乡镇街道",
    Unit.Kind.COMMUNITY: "社区村",
}
TRUE_WORDS = {"是", "有", "y", "yes", "1", "true", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "0", "false", "f"}


def map_columns(header, report, lookup: dict, required, column_by_field: dict, max_columns: int = MAX_COLUMNS):
    """Match the header row to fields: {column index: (field, header as written, letter)}, or None after reporting
    unknown, repeated and missing columns on row 1. Sets ``report.column_names``. Shared by every import."""
    columns: dict[int, tuple[str, str, str]] = {}
    for index, value in enumerate(header[:max_columns]):
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
    for wanted in required:
        if wanted not in present:
            name = column_by_field[wanted].header
            report.add(1, name, _("The column “%(name)s” is missing.") % {"name": name}, "header")
    if not report.ok:
        return None
    report.column_names = {f: (h, letter) for f, h, letter in columns.values()}
    return columns


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


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (empty rows not counted)
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    error_count: int = 0  # all problems found; `errors` lists the first MAX_LISTED_ERRORS
    # field → (header as written in the file, column letter)
    column_names: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    _seen: set = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def unlisted(self) -> int:
        return self.error_count - len(self.errors)

    def add(self, row, column, reason, code="invalid", column_letter=None) -> None:
        error = RowError(row, column, str(reason), code, column_letter)
        if error in self._seen:
            return
        self._seen.add(error)
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def clear_errors(self) -> None:
        self.errors.clear()
        self._seen.clear()
        self.error_count = 0

    def summary(self) -> str:
        if self.ok:
            return ngettext("%(count)d unit imported.", "%(count)d units imported.", self.created) % {
                "count": self.created
            }
        return ngettext(
            "Nothing was imported: the file has %(count)d problem.",
            "Nothing was imported: the file has %(count)d problems.",
            self.error_count,
        ) % {"count": self.error_count}


# ---------------------------------------------------------------------------------------------- reading
def header_key(text) -> str:
    text = str(text or "").strip()
    text = re.sub(r"[（(].*?[）)]", "", text)  # "职工人数（人）", "Employees (count)"
    text = text.replace("*", "").replace("＊", "")
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    HEADER_LOOKUP[header_key(_column.header)] = _column.field
    for _alias in _column.aliases:
        HEADER_LOOKUP[header_key(_alias)] = _column.field


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


def open_workbook(file, report, max_size: int = MAX_FILE_SIZE):
    """The upload as an openpyxl workbook (read-only), or None with the reason in ``report`` (too large, not an
    .xlsx, damaged). Every spreadsheet import starts here."""
    data, reason = _read_upload(file, max_size)
    if reason is None:
        reason = not_xlsx(file, data)
    if reason is not None:
        report.add(None, None, reason, "file")
        return None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        report.add(None, None, _("The workbook cannot be read; save it again as .xlsx and retry."), "file")
        return None


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


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_kind(value):
    word = re.sub(r"[\s/／、,，_\-]+", "", cell_text(value)).lower()
    return KIND_WORDS.get(word)


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


def _parse_count(value):
    """A whole number ≥ 0 (None when empty); raises ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(cell_text(value).replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValueError from None
    if not number.is_finite() or number < 0 or number != number.to_integral_value() or number > 10_000_000:
        raise ValueError
    return int(number)


@dataclass
class _Row:
    number: int
    data: dict
    parent_name: str = ""
    unit: Unit | None = None
    depth: int = 0
    bad_fields: set[str] = field(default_factory=set)  # columns already reported for this row


def import_units(actor, tenant, file) -> ImportReport:
    """Import the units of an .xlsx upload (a Django UploadedFile, a binary file object or bytes).

    Returns the report; ``report.ok`` says whether the units were created (all of them) or nothing was."""
    require(actor, tenant, Perm.STATIONS_MANAGE)
    report = ImportReport()
    workbook = open_workbook(file, report, MAX_FILE_SIZE)
    if workbook is None:
        return report
    try:
        with transaction.atomic():
            rows = _read_rows(workbook, report)
            if rows:  # None when the header or the size is wrong: then the rows are not worth checking
                _validate(rows, report)
            if rows and report.ok:
                _save(rows, report)
    except IntegrityError:
        # Someone changed the units while we were importing (the same credit code saved meanwhile).
        report.created = 0
        report.units = []
        report.add(None, None, _("The units changed while the file was imported; nothing was saved. Try again."))
    finally:
        workbook.close()
    return report


def _read_rows(workbook, report: ImportReport) -> list[_Row] | None:
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
        report.add(1, None, _("The first row must hold the column names, e.g. 单位名称 and 单位类型."), "header")
        return None

    columns = map_columns(header, report, HEADER_LOOKUP, REQUIRED_FIELDS, COLUMN_BY_FIELD)
    if columns is None:
        return None
    rows: list[_Row] = []
    for number, values in enumerate(lines, start=2):
        if values is None or all(cell_text(value) == "" for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            report.clear_errors()
            report.add(
                None,
                None,
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS},
                "too_many_rows",
            )
            return None
        raw = {fld: values[index] if index < len(values) else None for index, (fld, _h, _l) in columns.items()}
        rows.append(_parse_row(number, raw, report))
    report.rows = len(rows)
    if not rows:
        report.add(None, None, _("The file has no units below the header row."), "empty")
    return rows


def _column_of(report: ImportReport, field_name: str) -> tuple[str, str | None]:
    """The header text as written in the file (or the template's, when the column is absent) and its letter."""
    if field_name in report.column_names:
        return report.column_names[field_name]
    column = COLUMN_BY_FIELD.get(field_name)
    return (column.header if column else field_name), None


def _parse_row(number: int, raw: dict, report: ImportReport) -> _Row:
    data: dict = {}
    row = _Row(number, data)

    def error(field_name, reason, code="invalid"):
        header, letter = _column_of(report, field_name)
        report.add(number, header, reason, code, letter)
        row.bad_fields.add(field_name)

    data["name"] = cell_text(raw.get("name"))
    kind_value = raw.get("kind")
    if cell_text(kind_value):
        kind = _parse_kind(kind_value)
        if kind is None:
            error(
                "kind",
                _("Unknown unit type “%(value)s”; use one of %(choices)s.")
                % {"value": cell_text(kind_value), "choices": "、".join(KIND_TEMPLATE_WORDS.values())},
            )
            kind = ""
        data["kind"] = kind
    else:
        data["kind"] = ""
    row.parent_name = cell_text(raw.get("parent"))

    code = raw.get("credit_code")
    if isinstance(code, float):
        error("credit_code", _("Enter the credit code as text: Excel has rounded this number."))
        data["credit_code"] = ""
    else:
        data["credit_code"] = normalize_uscc(cell_text(code))

    if "employee_count" in raw:
        try:
            data["employee_count"] = _parse_count(raw["employee_count"])
        except ValueError:
            error("employee_count", _("Enter a whole number of employees (0 or more)."))
            data["employee_count"] = None
    for name in BOOLEAN_FIELDS:
        value = raw.get(name)
        if cell_text(value) == "":
            data[name] = False
            continue
        parsed = parse_bool(value)
        if parsed is None:
            error(name, _("Enter 是 or 否 (also Y/N, 1/0, true/false), not “%(value)s”.") % {"value": cell_text(value)})
            parsed = False
        data[name] = parsed
    data["industry"] = cell_text(raw.get("industry"))
    return row


def _validate(rows: list[_Row], report: ImportReport) -> None:
    existing_codes = set(Unit.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    db_by_name: dict[str, list[Unit]] = {}
    for unit in Unit.objects.only("pk", "name", "kind", "parent_id"):
        db_by_name.setdefault(unit.name, []).append(unit)
    has_union = Unit.objects.filter(kind=Unit.Kind.UNION).exists()

    file_by_name: dict[str, list[_Row]] = {}  # rows read so far
    all_names: dict[str, int] = {}  # name → first row number, over the whole file
    for row in rows:
        all_names.setdefault(row.data["name"], row.number)
    codes_seen: dict[str, int] = {}
    union_row: int | None = None
    db_identities = {(u.name, u.kind, ("db", u.parent_id)) for units in db_by_name.values() for u in units}
    file_identities: dict[tuple, int] = {}

    for row in rows:
        data = row.data

        def error(field_name, reason, code="invalid", row=row):
            header, letter = _column_of(report, field_name)
            report.add(row.number, header, reason, code, letter)
            row.bad_fields.add(field_name)

        # Parent: a unit of the tenant, or one on an earlier row.
        parent = parent_row = None
        if row.parent_name:
            in_db = db_by_name.get(row.parent_name, [])
            in_file = file_by_name.get(row.parent_name, [])
            if len(in_db) + len(in_file) > 1:
                error(
                    "parent",
                    _("More than one unit is called “%(name)s”; the parent is ambiguous.") % {"name": row.parent_name},
                    "ambiguous_parent",
                )
            elif in_file:
                parent_row = in_file[0]
                parent = parent_row.unit
                row.depth = parent_row.depth + 1
            elif in_db:
                parent = in_db[0]
            elif row.parent_name == data["name"]:
                error("parent", _("A unit cannot be its own parent."), "unknown_parent")
            elif row.parent_name in all_names and all_names[row.parent_name] > row.number:
                error(
                    "parent",
                    _("The parent “%(name)s” is defined further down, on row %(row)d; put parents above their units.")
                    % {"name": row.parent_name, "row": all_names[row.parent_name]},
                    "unknown_parent",
                )
            else:
                error(
                    "parent",
                    _("No unit called “%(name)s” exists in this tenant or on an earlier row.")
                    % {"name": row.parent_name},
                    "unknown_parent",
                )

        # Duplicates that need the whole file or the tenant's units.
        code = data["credit_code"]
        if code and "credit_code" not in row.bad_fields:
            if code in codes_seen:
                error(
                    "credit_code",
                    _("The same credit code is on row %(row)d.") % {"row": codes_seen[code]},
                    "duplicate",
                )
            elif code in existing_codes:
                error("credit_code", _("A unit with this credit code already exists."), "duplicate")
            codes_seen.setdefault(code, row.number)
        if data["kind"] == Unit.Kind.UNION:
            if has_union:
                error("kind", _("The tenant's own union exists already; there can be only one."), "duplicate")
            elif union_row is not None:
                error("kind", _("The tenant's own union is already on row %(row)d.") % {"row": union_row}, "duplicate")
            union_row = union_row or row.number
        if data["name"] and "parent" not in row.bad_fields:
            # the same unit twice: same name and type under the same parent
            if parent_row is not None:
                identity = (data["name"], data["kind"], ("row", parent_row.number))
            else:
                identity = (data["name"], data["kind"], ("db", parent.pk if parent is not None else None))
            if identity in file_identities:
                error(
                    "name",
                    _("The same unit (name, type and parent) is on row %(row)d.") % {"row": file_identities[identity]},
                    "duplicate",
                )
            elif identity in db_identities:
                error("name", _("This unit exists already (same name, type and parent)."), "duplicate")
            file_identities.setdefault(identity, row.number)

        # The unit's own rules.
        # The parent was resolved above (a unit of the tenant or of an earlier row); it is set after build_unit,
        # which would otherwise look each one up again (a new unit cannot be placed below itself anyway).
        try:
            row.unit = build_unit(data, check_duplicates=False)
            row.unit.parent = parent
        except ValidationError as exc:
            row.unit = None
            for field_name, reason in _reasons(exc):
                if field_name in row.bad_fields:
                    continue  # already reported more precisely
                if field_name is None:
                    report.add(row.number, None, reason)
                else:
                    header, letter = _column_of(report, field_name)
                    report.add(row.number, header, reason, "invalid", letter)
        if row.unit is None:
            # Keep a placeholder so children still resolve their parent (their own errors are what matters).
            row.unit = Unit(name=data["name"], kind=data["kind"] or Unit.Kind.ENTERPRISE)
        if data["name"]:
            file_by_name.setdefault(data["name"], []).append(row)


def _reasons(exc: ValidationError):
    """(field or None, reason) for each message of a build_unit error."""
    for field_name, messages in exc.message_dict.items():
        for message in messages:
            yield (None if field_name == NON_FIELD_ERRORS else field_name), message


def _save(rows: list[_Row], report: ImportReport) -> None:
    """Create the units level by level (parents get their id before their children are inserted)."""
    by_depth: dict[int, list[Unit]] = {}
    for row in rows:
        by_depth.setdefault(row.depth, []).append(row.unit)
    for depth in sorted(by_depth):
        units = by_depth[depth]
        for unit in units:
            if unit.parent is not None and unit.parent_id is None:
                unit.parent = unit.parent  # the parent was saved at the previous level: take its id
        Unit.objects.bulk_create(units, batch_size=1000)
    report.units = [row.unit for row in rows]
    report.created = len(rows)


# -------------------------------------------------------------------------------------------------- template
EXAMPLE_CREDIT_CODE = "91330106MA2CFWQ1X" + uscc_check_character("91330106MA2CFWQ1X")
EXAMPLE_ROW = {
    "name": "示例科技有限公司",
    "kind": "企业",
    "parent": "",
    "credit_code": EXAMPLE_CREDIT_CODE,
    "employee_count": 260,
    "has_union": "是",
    "union_is_sound": "是",
    "above_designated_size": "是",
    "industry": "制造业",
    "without_premises": "否",
}


def unit_import_template() -> bytes:
    """An .xlsx with the header row, one example row and a sheet that explains the columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位"
    sheet.append([column.header for column in COLUMNS])
    sheet.append([EXAMPLE_ROW[column.field] for column in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FBEAEA")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.field == "credit_code":
            sheet.column_dimensions[letter].width = 24
            for row in range(2, 1002):  # text, so Excel keeps all 18 characters of codes typed in
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    letters = {column.field: get_column_letter(i) for i, column in enumerate(COLUMNS, start=1)}
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_TEMPLATE_WORDS.values()) + '"', allow_blank=True)
    kinds.add(f"{letters['kind']}2:{letters['kind']}{MAX_ROWS + 1}")
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    for name in BOOLEAN_FIELDS:
        yes_no.add(f"{letters[name]}2:{letters[name]}{MAX_ROWS + 1}")
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(yes_no)

    explanations = {
        "name": _("Required. The unit's full name."),
        "kind": _("Required. One of: %(choices)s.") % {"choices": "、".join(KIND_TEMPLATE_WORDS.values())},
        "parent": _("Optional. The name of a unit already in the system or on an earlier row of this sheet."),
        "credit_code": _("Enterprises: the 18-character unified social credit code (as text)."),
        "employee_count": _("Enterprises: required, a whole number."),
        "has_union": _("是 or 否 (also Y/N, 1/0, true/false); empty means 否."),
        "union_is_sound": _("是 or 否; only 是 if the enterprise has a union."),
        "above_designated_size": _("是 or 否."),
        "industry": _("Optional."),
        "without_premises": _("Enterprises only: 是 for a building-economy enterprise without premises."),
    }
    limits = _(
        "Only the first sheet is read; at most %(rows)d rows and %(size)d MB. A file with any error imports nothing."
    ) % {"rows": MAX_ROWS, "size": MAX_FILE_SIZE // (1024 * 1024)}
    return finish_template(workbook, [(c.header, explanations[c.field]) for c in COLUMNS], limits, width=90)


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
