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

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.importing import XLSX_CONTENT_TYPE, Column, Importer, ImportReport, cell_text, finish_template, parse_bool
from core.people.models import Unit
from core.people.validators import normalize_uscc, uscc_check_character
from stations.permissions import StationsPerm
from stations.services import build_unit

__all__ = ["XLSX_CONTENT_TYPE", "UnitImporter", "import_units", "unit_import_template"]

MAX_ROWS = 20_000  # data rows, the header not counted

COLUMNS = (
    Column("name", "单位名称", ("name", "unit name", "unit"), required=True),
    Column("kind", "单位类型", ("kind", "type", "unit type", "unit kind"), required=True),
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


def _parse_kind(value):
    word = re.sub(r"[\s/／、,，_\-]+", "", cell_text(value)).lower()
    return KIND_WORDS.get(word)


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


def _parse_row(number: int, raw: dict, report: ImportReport) -> _Row:
    data: dict = {}
    row = _Row(number, data)

    def error(field_name, reason, code="invalid"):
        report.add_for(number, field_name, reason, code)
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
            report.add_for(row.number, field_name, reason, code)
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
                    report.add_for(row.number, field_name, reason)
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
    report.saved = [row.unit for row in rows]
    report.created = len(rows)


class UnitImporter(Importer):
    """Units, one per row; parents by name (in the tenant or on an earlier row)."""

    columns = COLUMNS
    permission = StationsPerm.MANAGE
    saved_as = "units"
    max_rows = MAX_ROWS
    header_hint = gettext_lazy("The first row must hold the column names, e.g. 单位名称 and 单位类型.")
    empty_message = gettext_lazy("The file has no units below the header row.")
    # Someone changed the units while we were importing (the same credit code saved meanwhile).
    changed_message = gettext_lazy("The units changed while the file was imported; nothing was saved. Try again.")
    title = gettext_lazy("Import units")
    intro = gettext_lazy(
        "Upload an Excel workbook (.xlsx) with one unit per row. The file is imported only if every row is correct: a "
        "file with any error imports nothing, and the problems are listed by row number."
    )

    def parse_row(self, number: int, raw: dict, report: ImportReport) -> _Row:
        return _parse_row(number, raw, report)

    def save_rows(self, rows: list[_Row], report: ImportReport) -> None:
        _validate(rows, report)
        if report.ok:
            _save(rows, report)

    def success_message(self, report: ImportReport) -> str:
        return ngettext("%(count)d unit imported.", "%(count)d units imported.", report.created) % {
            "count": report.created
        }

    @classmethod
    def column_help(cls) -> list[tuple[str, str]]:
        explanations = _explanations()
        return [(column.header, explanations[column.field]) for column in COLUMNS]

    @classmethod
    def template(cls) -> bytes:
        return unit_import_template()


def import_units(actor, tenant, file) -> ImportReport:
    """Import the units of an .xlsx upload (a Django UploadedFile, a binary file object or bytes), all or nothing."""
    return UnitImporter(actor, tenant).run(file)


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

    explanations = _explanations()
    limits = _(
        "Only the first sheet is read; at most %(rows)d rows and %(size)d MB. A file with any error imports nothing."
    ) % {"rows": UnitImporter.max_rows, "size": UnitImporter.max_file_size // (1024 * 1024)}
    return finish_template(workbook, [(c.header, explanations[c.field]) for c in COLUMNS], limits, width=90)


def _explanations() -> dict[str, str]:
    return {
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
