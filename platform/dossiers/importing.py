"""Import of existing dossier spreadsheets (.xlsx), all or nothing.

The first sheet holds one header row and **one row per household member**; rows with the same household number
(户编号) form one household, whatever their order. Member columns (与申请人关系, 姓名, 身份证号, 联系电话, 月收入,
是否就业, 就学情况) describe the row's person; household columns (工作单位, causes, housing, insurance, 零就业家庭,
劳模, bank) are written once, on the applicant's row (or repeated identically on every row of the household).
Headers are the Chinese names of the template (``dossier_import_template()``); the English names below are
accepted as aliases.

Every household goes through ``dossiers.services.file_dossier`` (every rule of the service holds: ID numbers,
encryption, eligibility, the first transition), all of them inside one transaction. The checks that need the whole
file come first (one applicant per household, the same person twice, a person already in a live dossier, the
employer by name). If anything is wrong, nothing is saved and the report lists every problem by the row number
Excel shows and the column's header. The report never holds a full resident ID number (only the masked form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.importing import (
    XLSX_CONTENT_TYPE,
    Column,
    Importer,
    ImportReport,
    cell_text,
    finish_template,
    header_key,
    parse_bool,
)
from core.people.models import Unit
from core.pii import blind_index, id_check_character, mask_resident_id, parse_resident_id
from dossiers import services
from dossiers.models import Dossier, HouseholdMember
from dossiers.permissions import DossiersPerm
from stations.services import visible_units

__all__ = ["XLSX_CONTENT_TYPE", "DossierImporter", "header_key", "import_dossiers", "dossier_import_template"]

MAX_ROWS = 20_000  # data rows (people), the header not counted

COLUMNS = (
    Column(
        "household",
        "户编号",
        ("household", "household no", "household number", "household key", "household id", "户号", "家庭编号"),
        required=True,
    ),
    Column(
        "relation",
        "与申请人关系",
        ("relation", "relationship", "relation to applicant", "与户主关系", "关系"),
        required=True,
    ),
    Column("name", "姓名", ("name", "full name"), required=True),
    Column(
        "id_number",
        "身份证号",
        ("id number", "resident id", "resident id number", "id card number", "id card", "身份证号码", "公民身份号码"),
        required=True,
        personal=True,
    ),
    Column("phone", "联系电话", ("phone", "telephone", "mobile", "phone number", "手机号码", "电话")),
    Column("monthly_income", "月收入", ("monthly income", "income", "月收入元")),
    Column("employed", "是否就业", ("employed", "is employed", "就业")),
    Column("schooling", "就学情况", ("schooling", "school", "education", "在校情况")),
    Column("employer", "工作单位", ("employer", "work unit", "workplace", "单位"), household=True),
    Column(
        "main_cause",
        "主要致困原因",
        ("main cause", "main cause of hardship", "致困原因"),
        required=True,
        household=True,
    ),
    Column("secondary_causes", "次要致困原因", ("secondary causes", "secondary cause", "other causes"), household=True),
    Column("accident_note", "意外致困说明", ("accident note", "what happened", "致困说明"), household=True),
    Column("housing", "住房情况", ("housing",), household=True),
    Column("medical_insurance", "医疗保险", ("medical insurance", "insurance", "医保"), household=True),
    Column("zero_employment", "零就业家庭", ("zero employment", "zero employment household", "零就业"), household=True),
    Column("model_worker", "劳模", ("model worker", "劳动模范", "劳模等级"), household=True),
    Column("bank_name", "银行", ("bank", "bank name", "开户银行", "开户行"), household=True),
    Column(
        "bank_account",
        "银行账号",
        ("bank account", "account number", "bank account number", "银行卡号"),
        household=True,
        personal=True,
    ),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
HOUSEHOLD_FIELDS = tuple(column.field for column in COLUMNS if column.household)
MEMBER_COLUMNS = ("relation", "name", "id_number", "phone", "monthly_income", "employed", "schooling")

# ------------------------------------------------------------------------------------- words of the cells
R, SCH, C = HouseholdMember.Relation, HouseholdMember.Schooling, Dossier.Cause
H, INS, MW = Dossier.Housing, Dossier.Insurance, Dossier.ModelWorker

# The template's word for each value (shown in the template's drop-downs and in the messages) …
RELATION_TEMPLATE = {R.APPLICANT: "本人", R.SPOUSE: "配偶", R.CHILD: "子女", R.PARENT: "父母", R.OTHER: "其他"}
SCHOOLING_TEMPLATE = {
    SCH.NONE: "无",
    SCH.PRESCHOOL: "学前",
    SCH.PRIMARY: "小学",
    SCH.JUNIOR: "初中",
    SCH.SENIOR: "高中",
    SCH.VOCATIONAL: "中职",
    SCH.COLLEGE: "大学",
}
CAUSE_TEMPLATE = {
    C.ILLNESS: "因病",
    C.DISABILITY: "因残",
    C.SCHOOLING: "因学",
    C.UNEMPLOYMENT: "失业",
    C.ACCIDENT: "意外灾害",
    C.LOW_INCOME: "低收入",
    C.ENTERPRISE: "企业困难",
    C.OTHER: "其他",
}
HOUSING_TEMPLATE = {H.OWN: "自有住房", H.RENTED: "租房", H.PUBLIC: "公租房", H.NONE: "无稳定住房"}
INSURANCE_TEMPLATE = {INS.EMPLOYEE: "职工医保", INS.RESIDENT: "居民医保", INS.NONE: "无"}
MODEL_WORKER_TEMPLATE = {MW.NONE: "否", MW.COUNTY: "县级", MW.CITY: "市级", MW.PROVINCE: "省级", MW.NATIONAL: "全国"}

# … and the other spellings accepted (compared without spaces and separators, lowercase).
RELATION_WORDS = {
    **{w: R.APPLICANT for w in ("申请人", "户主", "本人户主", "self", "me")},
    **{w: R.SPOUSE for w in ("妻子", "丈夫", "妻", "夫", "爱人", "夫妻")},
    **{w: R.CHILD for w in ("儿子", "女儿", "子", "女", "长子", "长女", "次子", "次女", "孩子", "son", "daughter")},
    **{w: R.PARENT for w in ("父亲", "母亲", "父", "母", "father", "mother")},
    **{w: R.OTHER for w in ("其他亲属", "其它", "亲属", "relative", "otherrelative")},
}
SCHOOLING_WORDS = {
    **{w: SCH.NONE for w in ("", "否", "不在学", "未上学", "未就学", "非在校", "none", "no", "notinschool")},
    **{w: SCH.PRESCHOOL for w in ("幼儿园", "学前教育", "学龄前")},
    **{w: SCH.PRIMARY for w in ("小学在读",)},
    **{w: SCH.JUNIOR for w in ("初中在读", "初级中学")},
    **{w: SCH.SENIOR for w in ("高中在读", "普高", "普通高中")},
    **{w: SCH.VOCATIONAL for w in ("中专", "职高", "技校", "职业学校", "中等职业学校", "高职")},
    **{w: SCH.COLLEGE for w in ("大专", "本科", "高校", "大学在读", "研究生", "大学本科", "大学专科", "university")},
}
CAUSE_WORDS = {
    **{w: C.ILLNESS for w in ("病", "疾病", "大病", "患病", "因病致困", "重病")},
    **{w: C.DISABILITY for w in ("残", "残疾", "因残致困")},
    **{w: C.SCHOOLING for w in ("学", "子女上学", "子女就学", "上学", "因学致困")},
    **{w: C.UNEMPLOYMENT for w in ("下岗", "待岗", "因失业", "失业致困")},
    **{w: C.ACCIDENT for w in ("意外", "灾害", "因灾", "意外事故", "突发事件", "自然灾害", "因灾致困")},
    **{w: C.LOW_INCOME for w in ("收入低", "工资低", "低收入家庭")},
    **{w: C.ENTERPRISE for w in ("企业经营困难", "企业停产", "企业停产半停产", "企业原因")},
    **{w: C.OTHER for w in ("其它", "其他原因")},
}
HOUSING_WORDS = {
    **{w: H.OWN for w in ("自有", "自有房", "自有房屋", "有房", "自住房")},
    **{w: H.RENTED for w in ("租赁", "租住", "租房居住", "租赁住房")},
    **{w: H.PUBLIC for w in ("廉租房", "公共租赁住房", "公租房廉租房")},
    **{w: H.NONE for w in ("无", "无房", "无固定住所", "无住房")},
}
INSURANCE_WORDS = {
    **{w: INS.EMPLOYEE for w in ("职工基本医疗保险", "城镇职工医保", "职工医疗保险", "城镇职工基本医疗保险")},
    **{w: INS.RESIDENT for w in ("城乡居民医保", "城镇居民医保", "居民基本医疗保险", "城乡居民基本医疗保险", "新农合")},
    **{w: INS.NONE for w in ("未参保", "没有", "否")},
}
MODEL_WORKER_WORDS = {
    **{w: MW.NONE for w in ("", "无", "不是", "no", "none")},
    **{w: MW.COUNTY for w in ("县级劳模", "区县级", "县区级", "区级")},
    **{w: MW.CITY for w in ("市级劳模", "地市级")},
    **{w: MW.PROVINCE for w in ("省级劳模", "省部级")},
    **{w: MW.NATIONAL for w in ("全国劳模", "国家级", "全国级")},
}


def _word(value) -> str:
    return re.sub(r"[\s/／、,，_\-·.]+", "", cell_text(value)).lower()


def _vocabulary(choices, template: dict, extra: dict) -> dict[str, str]:
    words: dict[str, str] = {}
    for value, label in choices:
        words[_word(value)] = value
        words[_word(label)] = value
    for value, word in template.items():
        words[_word(word)] = value
    for word, value in extra.items():
        words[_word(word)] = value
    return words


VOCABULARY = {
    "relation": (_vocabulary(R.choices, RELATION_TEMPLATE, RELATION_WORDS), RELATION_TEMPLATE),
    "schooling": (_vocabulary(SCH.choices, SCHOOLING_TEMPLATE, SCHOOLING_WORDS), SCHOOLING_TEMPLATE),
    "main_cause": (_vocabulary(C.choices, CAUSE_TEMPLATE, CAUSE_WORDS), CAUSE_TEMPLATE),
    "housing": (_vocabulary(H.choices, HOUSING_TEMPLATE, HOUSING_WORDS), HOUSING_TEMPLATE),
    "medical_insurance": (_vocabulary(INS.choices, INSURANCE_TEMPLATE, INSURANCE_WORDS), INSURANCE_TEMPLATE),
    "model_worker": (_vocabulary(MW.choices, MODEL_WORKER_TEMPLATE, MODEL_WORKER_WORDS), MODEL_WORKER_TEMPLATE),
}
VOCABULARY["secondary_causes"] = VOCABULARY["main_cause"]
CAUSE_SEPARATORS = re.compile(r"[,，、;；/／\s]+")


@dataclass
class _Row:
    number: int  # as Excel numbers it
    household: str
    member: dict  # input for the service's member
    facts: dict  # household facts given on this row (parsed), field → value
    id_number: str = ""  # the normalised number when valid
    bad: set[str] = field(default_factory=set)  # fields already reported for this row


@dataclass
class _Household:
    key: str
    rows: list[_Row] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)  # household field → the row its value came from
    bad: set[str] = field(default_factory=set)

    @property
    def first_row(self) -> int:
        return self.rows[0].number


def _choice(name: str, value):
    """The model value for a cell of a choice column, or None when the word is unknown."""
    words, _template = VOCABULARY[name]
    return words.get(_word(value))


def _choice_error(name: str, value) -> str:
    _words, template = VOCABULARY[name]
    choices = "、".join(word for word in template.values())
    return _("Unknown value “%(value)s”; use one of %(choices)s.") % {
        "value": cell_text(value)[:40],
        "choices": choices,
    }


def _digits_text(value) -> str | None:
    """The text of a number-like cell (ID, phone and account numbers), or None when Excel stored it as a
    floating-point number that may have lost digits."""
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return None
    return cell_text(value).replace(" ", "")


def _parse_money(value) -> Decimal:
    """An amount ≥ 0 with at most two decimals (empty: 0); raises ValueError otherwise."""
    if value is None or cell_text(value) == "":
        return Decimal("0")
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
        rounded = amount.quantize(Decimal("0.01"))
        if abs(amount - rounded) < Decimal("0.000001"):  # 1234.5000000001 from a formula
            amount = rounded
    else:
        text = cell_text(value).replace(",", "").replace("，", "").replace("元", "").replace("¥", "").replace("￥", "")
        try:
            amount = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError
    if amount >= Decimal("1e12"):
        raise ValueError
    return amount


def _parse_row(number: int, raw: dict, report: ImportReport) -> _Row:
    row = _Row(number, cell_text(raw.get("household")), {}, {})
    member = row.member

    def error(field_name, reason, code="invalid"):
        report.add_for(number, field_name, reason, code)
        row.bad.add(field_name)

    if not row.household:
        error(
            "household",
            _("Enter the household number (户编号); the rows of one household share it."),
            "required",
        )

    relation = raw.get("relation")
    if cell_text(relation) == "":
        error("relation", _("Enter the relation to the applicant (本人 for the applicant)."), "required")
        member["relation"] = ""
    else:
        member["relation"] = _choice("relation", relation)
        if member["relation"] is None:
            error("relation", _choice_error("relation", relation))
            member["relation"] = ""
    member["name"] = cell_text(raw.get("name"))

    id_text = _digits_text(raw.get("id_number"))
    if id_text is None:
        error("id_number", _("Enter the ID number as text: Excel has rounded this number."), "rounded")
        member["id_number"] = ""
    elif id_text == "":
        error("id_number", _("Enter the resident ID number."), "required")
        member["id_number"] = ""
    else:
        try:
            row.id_number = parse_resident_id(id_text).number
        except ValidationError as exc:
            error("id_number", exc.messages[0], getattr(exc, "code", None) or "invalid")
        member["id_number"] = row.id_number or id_text

    if "phone" in raw:
        phone = _digits_text(raw["phone"])
        if phone is None:
            error("phone", _("Enter the phone number as text: Excel has rounded this number."), "rounded")
        else:
            member["phone"] = phone
    if "monthly_income" in raw:
        try:
            member["monthly_income"] = _parse_money(raw["monthly_income"])
        except ValueError:
            error("monthly_income", _("Enter an amount in yuan such as 1800 or 1800.50 (0 or more)."))
    if "employed" in raw and cell_text(raw["employed"]) != "":
        employed = parse_bool(raw["employed"])
        if employed is None:
            error("employed", _yes_no_error(raw["employed"]))
        else:
            member["employed"] = employed
    if "schooling" in raw:
        schooling = _choice("schooling", raw["schooling"])
        if schooling is None:
            error("schooling", _choice_error("schooling", raw["schooling"]))
        else:
            member["schooling"] = schooling

    # Household facts, as far as this row gives them.
    facts = row.facts
    for name in ("housing", "medical_insurance", "model_worker", "main_cause"):
        if cell_text(raw.get(name)) == "":
            continue
        value = _choice(name, _strip_model_worker(raw[name]) if name == "model_worker" else raw[name])
        if value is None:
            error(name, _choice_error(name, raw[name]))
        else:
            facts[name] = value
    if cell_text(raw.get("secondary_causes")) != "":
        causes, unknown = [], []
        for word in CAUSE_SEPARATORS.split(cell_text(raw["secondary_causes"])):
            if not word:
                continue
            cause = _choice("secondary_causes", word)
            (causes if cause is not None else unknown).append(cause or word)
        if unknown:
            error("secondary_causes", _choice_error("secondary_causes", "、".join(unknown)))
        elif len(dict.fromkeys(causes)) > 3:
            error("secondary_causes", _("At most three secondary causes."))
        else:
            facts["secondary_causes"] = tuple(dict.fromkeys(causes))
    if cell_text(raw.get("zero_employment")) != "":
        zero = parse_bool(raw["zero_employment"])
        if zero is None:
            error("zero_employment", _yes_no_error(raw["zero_employment"]))
        else:
            facts["zero_employment"] = zero
    for name in ("employer", "accident_note", "bank_name"):
        if cell_text(raw.get(name)) != "":
            facts[name] = cell_text(raw[name])
    if cell_text(raw.get("bank_account")) != "":
        account = _digits_text(raw["bank_account"])
        if account is None:
            error("bank_account", _("Enter the account number as text: Excel has rounded this number."), "rounded")
        else:
            facts["bank_account"] = account
    return row


def _strip_model_worker(value) -> str:
    word = cell_text(value)
    return word[:-2] if word.endswith("劳模") and len(word) > 2 else word


def _yes_no_error(value) -> str:
    return _("Enter 是 or 否 (also Y/N, 1/0, true/false), not “%(value)s”.") % {"value": cell_text(value)[:40]}


# --------------------------------------------------------------------------------------------- checking
def _group(rows: list[_Row], report: ImportReport) -> list[_Household]:
    """The households in the order of their first row; each household's facts merged from its rows."""
    households: dict[str, _Household] = {}
    for row in rows:
        if not row.household:
            continue
        households.setdefault(row.household, _Household(row.household)).rows.append(row)
    for household in households.values():
        # The applicant's row first, so its facts win; then the rest in file order.
        ordered = sorted(household.rows, key=lambda r: (r.member.get("relation") != R.APPLICANT, r.number))
        for row in ordered:
            for name, value in row.facts.items():
                if name not in household.data:
                    household.data[name] = value
                    household.source[name] = row.number
                elif household.data[name] != value and name not in row.bad:
                    report.add_for(
                        row.number,
                        name,
                        _(
                            "This differs from row %(row)d of the same household; write the household's facts once, on "
                            "the applicant's row."
                        )
                        % {"row": household.source[name]},
                        "conflict",
                    )
                    row.bad.add(name)
        for row in household.rows:
            household.bad |= {name for name in row.bad if name in HOUSEHOLD_FIELDS}
    return list(households.values())


def _check_file(actor, tenant, households: list[_Household], report: ImportReport) -> None:
    """The checks that need the whole file or the tenant's data."""
    try:
        units = visible_units(actor, tenant)
    except Http404:
        units = Unit.objects.none()
    units_by_name: dict[str, list[Unit]] = {}
    wanted = {h.data["employer"] for h in households if "employer" in h.data}
    if wanted:
        for unit in units.filter(name__in=wanted).only("pk", "name", "kind"):
            units_by_name.setdefault(unit.name, []).append(unit)

    numbers = {row.id_number for h in households for row in h.rows if row.id_number}
    in_dossiers = _people_in_live_dossiers(actor, tenant, numbers)
    seen: dict[str, tuple[str, int]] = {}  # ID number → (household, row)

    for household in households:
        first = household.first_row
        # One applicant.
        relations = [row.member["relation"] for row in household.rows]
        applicant_rows = [row for row in household.rows if row.member["relation"] == R.APPLICANT]
        if not applicant_rows and all(relations):
            report.add_for(
                first,
                "relation",
                _("Household “%(key)s” has no applicant: mark one person 本人.") % {"key": household.key[:40]},
                "no_applicant",
            )
            household.bad.add("members")
        for extra in applicant_rows[1:]:
            report.add_for(
                extra.number,
                "relation",
                _("A household has exactly one applicant (本人); the applicant of this household is on row %(row)d.")
                % {"row": applicant_rows[0].number},
                "applicant",
            )
            extra.bad.add("relation")
        # The same person twice, in the household or in the file, or already in a live dossier.
        for row in household.rows:
            number = row.id_number
            if not number or "id_number" in row.bad:
                continue
            masked = mask_resident_id(number)
            if number in seen:
                other_household, other_row = seen[number]
                if other_household == household.key:
                    reason = _("This person (%(id)s) is already in the household, on row %(row)d.")
                else:
                    reason = _("This person (%(id)s) is also in household “%(key)s”, on row %(row)d.")
                report.add_for(
                    row.number,
                    "id_number",
                    reason % {"id": masked, "row": other_row, "key": other_household[:40]},
                    "duplicate",
                )
                row.bad.add("id_number")
                continue
            seen[number] = (household.key, row.number)
            if number in in_dossiers:
                report.add_for(
                    row.number,
                    "id_number",
                    _(
                        "This person (%(id)s) is already in live dossier #%(dossier)s of this union (one live dossier "
                        "per person)."
                    )
                    % {"id": masked, "dossier": in_dossiers[number]},
                    "exists",
                )
                row.bad.add("id_number")
        # Required facts and the employer.
        if "main_cause" not in household.data and "main_cause" not in household.bad:
            report.add_for(
                first,
                "main_cause",
                _("Enter the household's main cause of hardship (on the applicant's row)."),
                "required",
            )
            household.bad.add("main_cause")
        name = household.data.get("employer")
        if name and "employer" not in household.bad:
            row = household.source["employer"]
            found = units_by_name.get(name, [])
            enterprises = [u for u in found if u.kind == Unit.Kind.ENTERPRISE]
            if len(enterprises) == 1 or (len(found) == 1 and not enterprises):
                household.data["employer"] = (enterprises or found)[0]
            else:
                household.data.pop("employer")
                household.bad.add("employer")
                if found:
                    reason, code = _("More than one unit is called “%(name)s”.") % {"name": name[:80]}, "ambiguous"
                else:
                    reason = _("No unit called “%(name)s” exists in this union.") % {"name": name[:80]}
                    code = "unknown_employer"
                report.add_for(row, "employer", reason, code)


def _people_in_live_dossiers(actor, tenant, numbers: set[str]) -> dict[str, int]:
    """Which of these ID numbers are in a live dossier the actor can see (by the keyed hash), and in which."""
    if not numbers:
        return {}
    by_hash = {blind_index(number): number for number in numbers}
    visible = services.visible_dossiers(actor, tenant).filter(status__in=Dossier.LIVE_STATUSES)
    found: dict[str, int] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 5000):
        chunk = hashes[start : start + 5000]
        rows = HouseholdMember.objects.filter(id_index__in=chunk, dossier__in=visible.values("pk")).order_by(
            "dossier_id"
        )
        for id_index, dossier_id in rows.values_list("id_index", "dossier_id"):
            found.setdefault(by_hash[id_index], dossier_id)
    return found


# ---------------------------------------------------------------------------------------------- importer
class DossierImporter(Importer):
    """Households (one row per member) as draft dossiers, each through ``services.file_dossier``."""

    columns = COLUMNS
    permission = DossiersPerm.EDIT
    saved_as = "dossiers"
    counted = ("households", "members")
    max_rows = MAX_ROWS
    max_columns = 60
    header_hint = gettext_lazy("The first row must hold the column names, e.g. 户编号 and 身份证号.")
    empty_message = gettext_lazy("The file has no people below the header row.")
    title = gettext_lazy("Import dossiers")
    intro = gettext_lazy(
        "Upload an Excel workbook (.xlsx) of existing dossiers with one row per household member; the rows of one "
        "household share its household number (户编号). Each household becomes a draft dossier. The file is imported "
        "only if every row is correct: a file with any error imports nothing, and the problems are listed by row "
        "number."
    )

    def parse_row(self, number: int, raw: dict, report: ImportReport) -> _Row:
        return _parse_row(number, raw, report)

    def save_rows(self, rows: list[_Row], report: ImportReport) -> None:
        households = _group(rows, report)
        report.counts["households"] = len(households)
        _check_file(self.actor, self.tenant, households, report)
        for household in households:
            _file(self.actor, self.tenant, household, report)
        if report.ok:
            report.created = len(report.saved)
            report.counts["members"] = sum(len(h.rows) for h in households)

    def success_message(self, report: ImportReport) -> str:
        return ngettext(
            "%(count)d household imported (%(people)d people).",
            "%(count)d households imported (%(people)d people).",
            report.created,
        ) % {"count": report.created, "people": report.members}

    @classmethod
    def column_help(cls) -> list[tuple[str, str]]:
        return column_help()

    @classmethod
    def template(cls) -> bytes:
        return dossier_import_template()


def import_dossiers(actor, tenant, file) -> ImportReport:
    """Import the households of an .xlsx upload (a Django UploadedFile, a binary file object or bytes) as draft
    dossiers. ``report.ok`` says whether all of them were created or nothing was."""
    return DossierImporter(actor, tenant).run(file)


HEADER_LOOKUP = DossierImporter.header_lookup()


# ------------------------------------------------------------------------------------------------ filing
def _file(actor, tenant, household: _Household, report: ImportReport) -> None:
    data = {name: value for name, value in household.data.items() if name not in household.bad}
    if "secondary_causes" in data:
        data["secondary_causes"] = list(data["secondary_causes"])
    members = [dict(row.member) for row in household.rows]
    try:
        dossier = services.file_dossier(actor, tenant, data=data, members=members)
    except ValidationError as exc:
        _report_service_errors(exc, household, report)
    except DatabaseError:
        report.add_for(household.first_row, None, _("This household could not be saved; check its rows."), "database")
    else:
        report.saved.append(dossier)


MEMBER_KEY = re.compile(r"^members\.(\d+)\.(\w+)$")


def _report_service_errors(exc: ValidationError, household: _Household, report: ImportReport) -> None:
    """Put the service's errors on the rows and columns they are about (skipping what was reported already)."""
    first = household.first_row
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            report.add_for(first, None, message)
        return
    for key, messages in exc.message_dict.items():
        match = MEMBER_KEY.match(key)
        if match:
            index, name = int(match.group(1)), match.group(2)
            row = household.rows[index] if index < len(household.rows) else None
            if row is None or name in row.bad:
                continue
            number, column = row.number, name if name in MEMBER_COLUMNS else None
        elif key == "members":
            if "members" in household.bad or any("relation" in row.bad for row in household.rows):
                continue
            number, column = first, "relation"
        elif key in HOUSEHOLD_FIELDS:
            if key in household.bad:
                continue
            number, column = household.source.get(key, first), key
        else:  # __all__, consents or a field that is not a column
            number, column = first, key if key != NON_FIELD_ERRORS and key in COLUMN_BY_FIELD else None
        for message in messages:
            report.add_for(number, column, message)


# -------------------------------------------------------------------------------------------------- template
def _example_id(area: str, born: str, sequence: int) -> str:
    body = f"{area}{born}{sequence:03d}"
    return body + id_check_character(body)


EXAMPLE_ROWS = [
    {
        "household": "H001",
        "relation": "本人",
        "name": "王建国",
        "id_number": _example_id("511102", "19780312", 135),
        "phone": "13881234567",
        "monthly_income": 1800,
        "employed": "是",
        "schooling": "",
        "employer": "",
        "main_cause": "因病",
        "secondary_causes": "因学、低收入",
        "accident_note": "",
        "housing": "自有住房",
        "medical_insurance": "职工医保",
        "zero_employment": "否",
        "model_worker": "否",
        "bank_name": "中国农业银行乐山分行",
        "bank_account": "6228480469912345678",
    },
    {
        "household": "H001",
        "relation": "配偶",
        "name": "李秀英",
        "id_number": _example_id("511102", "19800506", 246),
        "phone": "",
        "monthly_income": 0,
        "employed": "否",
        "schooling": "",
    },
    {
        "household": "H001",
        "relation": "子女",
        "name": "王子轩",
        "id_number": _example_id("511102", "20110918", 35),
        "monthly_income": 0,
        "employed": "否",
        "schooling": "初中",
    },
]
TEXT_COLUMNS = ("household", "id_number", "phone", "bank_account")


def _explanations() -> dict[str, str]:
    return {
        "household": _("Required. The same number on every row of one household (e.g. H001)."),
        "relation": _("Required. One of: %(choices)s; exactly one 本人 (the applicant) per household.")
        % {"choices": "、".join(RELATION_TEMPLATE.values())},
        "name": _("Required. The person's name."),
        "id_number": _("Required. The 18-character resident ID number, as text (old 15-digit numbers are upgraded)."),
        "phone": _("Optional."),
        "monthly_income": _("The person's monthly income in yuan; empty means 0."),
        "employed": _("是 or 否 (also Y/N, 1/0, true/false); empty means 否."),
        "schooling": _("One of: %(choices)s; empty means not in school.")
        % {"choices": "、".join(SCHOOLING_TEMPLATE.values())},
        "employer": _("Applicant's row, optional: the name of a unit of this union (as in the unit list)."),
        "main_cause": _("Applicant's row, required. One of: %(choices)s.")
        % {"choices": "、".join(CAUSE_TEMPLATE.values())},
        "secondary_causes": _("Applicant's row, optional: up to three causes separated by 、 or commas."),
        "accident_note": _("Applicant's row, optional: what happened, for hardship by accident or serious illness."),
        "housing": _("Applicant's row. One of: %(choices)s; empty means %(default)s.")
        % {"choices": "、".join(HOUSING_TEMPLATE.values()), "default": HOUSING_TEMPLATE[H.OWN]},
        "medical_insurance": _("Applicant's row. One of: %(choices)s; empty means %(default)s.")
        % {"choices": "、".join(INSURANCE_TEMPLATE.values()), "default": INSURANCE_TEMPLATE[INS.EMPLOYEE]},
        "zero_employment": _("Applicant's row: 是 or 否; empty means 否."),
        "model_worker": _("Applicant's row. One of: %(choices)s.")
        % {"choices": "、".join(MODEL_WORKER_TEMPLATE.values())},
        "bank_name": _("Applicant's row, optional."),
        "bank_account": _("Applicant's row, optional: 8 to 30 digits, as text."),
    }


def column_help() -> list[tuple[str, str]]:
    """(header, what to enter) for every column, for the import page."""
    explanations = _explanations()
    return [(column.header, explanations[column.field]) for column in COLUMNS]


def dossier_import_template() -> bytes:
    """An .xlsx with the header row, one example household and a sheet that explains the columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "档案"
    sheet.append([column.header for column in COLUMNS])
    for example in EXAMPLE_ROWS:
        sheet.append([example.get(column.field, "") for column in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FBEAEA")
    letters = {column.field: get_column_letter(i) for i, column in enumerate(COLUMNS, start=1)}
    for index, column in enumerate(COLUMNS, start=1):
        letter = letters[column.field]
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.field in TEXT_COLUMNS:
            sheet.column_dimensions[letter].width = 22
            for row in range(2, 1002):  # text, so Excel keeps every digit of what is typed in
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    last = MAX_ROWS + 1
    lists = {
        "relation": RELATION_TEMPLATE,
        "schooling": SCHOOLING_TEMPLATE,
        "main_cause": CAUSE_TEMPLATE,
        "housing": HOUSING_TEMPLATE,
        "medical_insurance": INSURANCE_TEMPLATE,
        "model_worker": MODEL_WORKER_TEMPLATE,
    }
    for name, words in lists.items():
        validation = DataValidation(type="list", formula1='"' + ",".join(words.values()) + '"', allow_blank=True)
        validation.add(f"{letters[name]}2:{letters[name]}{last}")
        sheet.add_data_validation(validation)
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    for name in ("employed", "zero_employment"):
        yes_no.add(f"{letters[name]}2:{letters[name]}{last}")
    sheet.add_data_validation(yes_no)

    limits = _(
        "One row per person; the rows of a household share its 户编号. Only the first sheet is read; at most "
        "%(rows)d rows and %(size)d MB. A file with any error imports nothing."
    ) % {"rows": MAX_ROWS, "size": DossierImporter.max_file_size // (1024 * 1024)}
    return finish_template(workbook, column_help(), limits, width=100)
