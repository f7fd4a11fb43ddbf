"""Unit import from Excel (all or nothing), the import template, the ledger export and the demo data.

Every data test runs against tenant A and tenant B and checks that the other tenant sees nothing. Workbooks are
built in memory with openpyxl.
"""

from __future__ import annotations

import copy
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from core import importing as kit
from core.people.models import Unit
from core.people.validators import validate_uscc
from stations import importing
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station
from tests.checkdigits import credit_code_check
from tests.factories import make_ids_foreign

HEADER = [
    "单位名称", "单位类型", "上级单位", "统一社会信用代码", "职工人数",
    "是否建会", "工会是否健全", "是否规模以上", "行业", "楼宇经济无场所",
]  # fmt: skip
XLSX = importing.XLSX_CONTENT_TYPE


@pytest.fixture(autouse=True)
def _english():
    """Report reasons are checked in English here (the pages' language is tested in test_i18n)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def code(number: int) -> str:
    body = f"91330100MA{number:07d}"
    return body + credit_code_check(body)


def bad_code(number: int) -> str:
    good = code(number)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


def workbook_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(rows, header=HEADER, name="units.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows, header), content_type=XLSX)


GOOD_ROWS = [
    ["城关镇", "乡镇街道", "", "", None, "", "", "", "", ""],
    ["城北社区", "社区/村", "城关镇", "", None, "", "", "", "", ""],
    ["恒达机械有限公司", "企业", "城北社区", code(1), 350, "是", "是", "Y", "制造业", "否"],
    ["恒达机械第一分公司", "企业", "恒达机械有限公司", code(2).lower(), "120", "1", "false", "N", "制造业", "0"],
    ["云端网络科技有限公司", "企业", "恒达机械第一分公司", code(3), 12.0, "true", "", "", "软件", "是"],
]


def units_of(tenant) -> list[Unit]:
    with schema_context(tenant.schema_name):
        return list(Unit.objects.select_related("parent").order_by("pk"))


def run_import(tenant, user, file):
    with schema_context(tenant.schema_name):
        return importing.import_units(user, tenant, file)


# --------------------------------------------------------------------------------------------------- import
def test_valid_file_creates_the_units_in_tenant_a_only(tenant_a, tenant_b, persona):
    report = run_import(tenant_a, persona("alice"), upload(GOOD_ROWS))
    assert report.ok, report.errors
    assert report.created == 5

    with schema_context(tenant_a.schema_name):
        _check_good_rows_imported()
    assert units_of(tenant_b) == []  # tenant B sees nothing


def _check_good_rows_imported():
    units = {unit.name: unit for unit in Unit.objects.all()}
    assert len(units) == 5
    assert units["城关镇"].kind == Unit.Kind.TOWNSHIP and units["城关镇"].parent is None
    assert units["城北社区"].kind == Unit.Kind.COMMUNITY and units["城北社区"].parent.name == "城关镇"
    parent_chain = units["云端网络科技有限公司"]
    assert parent_chain.parent.name == "恒达机械第一分公司"
    assert parent_chain.parent.parent.name == "恒达机械有限公司"
    assert parent_chain.parent.parent.parent.name == "城北社区"  # four levels, parents defined in the file
    company = units["恒达机械有限公司"]
    assert (company.credit_code, company.employee_count) == (code(1), 350)
    assert company.has_union and company.union_is_sound and company.above_designated_size
    assert not company.without_premises and company.industry == "制造业"
    branch = units["恒达机械第一分公司"]
    assert branch.credit_code == code(2)  # normalised to uppercase
    assert branch.employee_count == 120 and branch.has_union and not branch.union_is_sound
    assert units["云端网络科技有限公司"].without_premises and units["云端网络科技有限公司"].employee_count == 12


def test_english_headers_and_parents_already_in_the_tenant(tenant_a, tenant_b, persona):
    with schema_context(tenant_a.schema_name):
        Unit.objects.create(kind=Unit.Kind.ZONE, name="经济开发区")
    header = ["Name", "Type", "Parent", "Credit code", "Employees", "Has union", "Union is sound",
              "Above designated size", "Industry", "Without premises"]  # fmt: skip
    rows = [["瑞丰食品有限公司", "enterprise", "经济开发区", code(7), 199, "yes", "no", "1", "食品", "0"]]
    report = run_import(tenant_a, persona("alice"), upload(rows, header))
    assert report.ok, report.errors
    food = next(u for u in units_of(tenant_a) if u.name == "瑞丰食品有限公司")
    assert food.parent.name == "经济开发区" and food.employee_count == 199

    # The same file in tenant B: its parent does not exist there (A's units are invisible).
    report_b = run_import(tenant_b, persona("bob"), upload(rows, header))
    assert not report_b.ok
    assert [(e.row, e.column) for e in report_b.errors] == [(2, "Parent")]
    assert units_of(tenant_b) == []


def test_one_bad_row_imports_nothing_and_names_row_and_column(tenant_a, tenant_b, persona):
    rows = [
        *GOOD_ROWS[:3],
        ["坏代码有限公司", "企业", "城关镇", bad_code(9), 80, "否", "否", "否", "", ""],
        *GOOD_ROWS[3:],
    ]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    assert not report.ok and report.created == 0
    assert [(e.row, e.column, e.cell) for e in report.errors] == [(5, "统一社会信用代码", "D5")]
    assert "check character" in report.errors[0].reason
    assert units_of(tenant_a) == [] and units_of(tenant_b) == []


def test_row_errors_unknown_parent_duplicates_kind_and_numbers(tenant_a, tenant_b, persona):
    with schema_context(tenant_a.schema_name):
        Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name="老企业", credit_code=code(50), employee_count=10)
    with schema_context(tenant_b.schema_name):  # B's codes do not matter to A
        Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name="乙县企业", credit_code=code(60), employee_count=10)
    rows = [
        ["甲企业", "企业", "不存在的单位", code(11), 10, "", "", "", "", ""],  # row 2: unknown parent
        ["乙企业", "企业", "", code(12), 10, "", "", "", "", ""],  # row 3
        ["丙企业", "企业", "", code(12), 10, "", "", "", "", ""],  # row 4: same code as row 3
        ["丁企业", "企业", "", code(50), 10, "", "", "", "", ""],  # row 5: code already in tenant A
        ["戊单位", "机关", "", "", None, "", "", "", "", ""],  # row 6: unknown type
        ["己企业", "企业", "", code(13), "三百", "", "", "", "", ""],  # row 7: not a number
        ["庚企业", "企业", "", code(14), -5, "也许", "", "", "", ""],  # row 8: negative, bad boolean
        ["辛企业", "企业", "", code(15), None, "", "", "", "", ""],  # row 9: employees missing
        ["壬企业", "企业", "癸企业", code(16), 10, "", "", "", "", ""],  # row 10: parent defined below
        ["癸企业", "企业", "", code(17), 10, "", "", "", "", ""],  # row 11: fine
        ["乙县企业", "企业", "", code(60), 10, "", "", "", "", ""],  # row 12: fine (the code is B's)
    ]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (2, "上级单位"),
        (4, "统一社会信用代码"),
        (5, "统一社会信用代码"),
        (6, "单位类型"),
        (7, "职工人数"),
        (8, "职工人数"),
        (8, "是否建会"),
        (9, "职工人数"),
        (10, "上级单位"),
    }, report.errors
    by_row = {e.row: e for e in report.errors}
    assert "不存在的单位" in by_row[2].reason and by_row[2].code == "unknown_parent"
    assert "3" in by_row[4].reason and by_row[4].code == "duplicate"  # points at the first row with the code
    assert "11" in by_row[10].reason
    assert [u.name for u in units_of(tenant_a)] == ["老企业"]  # nothing imported
    assert [u.name for u in units_of(tenant_b)] == ["乙县企业"]


def test_header_problems(tenant_a, tenant_b, persona):
    report = run_import(tenant_a, persona("alice"), upload([["x", "企业"]], header=["单位名称", "类别", "备注"]))
    assert {(e.row, e.column) for e in report.errors} == {(1, "类别"), (1, "备注"), (1, "单位类型")}
    assert units_of(tenant_a) == [] and units_of(tenant_b) == []


def test_only_one_own_union(tenant_a, tenant_b, persona):
    rows = [
        ["甲县总工会", "工会", "", "", None, "", "", "", "", ""],
        ["另一个工会", "工会", "", "", None, "", "", "", "", ""],
    ]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    assert [(e.row, e.column) for e in report.errors] == [(3, "单位类型")]
    assert units_of(tenant_a) == []
    # B has its own union: the first row alone imports there, and only there.
    assert run_import(tenant_b, persona("bob"), upload(rows[:1])).ok
    assert [u.kind for u in units_of(tenant_b)] == ["union"] and units_of(tenant_a) == []
    again = run_import(tenant_b, persona("bob"), upload(rows[:1]))
    assert {(e.row, e.column, e.code) for e in again.errors} == {
        (2, "单位类型", "duplicate"),
        (2, "单位名称", "duplicate"),
    }
    assert len(units_of(tenant_b)) == 1


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("units.csv", "单位名称,单位类型\n城关镇,乡镇街道\n".encode(), ".xlsx"),
        ("units.xlsx", b"this is not a workbook", ".xlsx"),
        ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("units.xlsx", b"PK\x03\x04 broken zip", ".xlsx"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(tenant_a, tenant_b, persona, name, content, words):
    report = run_import(tenant_a, persona("alice"), SimpleUploadedFile(name, content))
    assert not report.ok and len(report.errors) == 1
    assert report.errors[0].row is None and words in report.errors[0].reason
    assert units_of(tenant_a) == [] and units_of(tenant_b) == []


def test_size_and_row_limits(tenant_a, tenant_b, persona, monkeypatch):
    monkeypatch.setattr(importing.UnitImporter, "max_rows", 3)
    rows = [[f"社区{i}", "社区村", "", "", None, "", "", "", "", ""] for i in range(4)]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    assert [e.code for e in report.errors] == ["too_many_rows"] and "3" in report.errors[0].reason
    assert run_import(tenant_a, persona("alice"), upload(rows[:3])).ok  # exactly the limit is fine

    monkeypatch.setattr(importing.UnitImporter, "max_file_size", 1024)
    big = upload(rows)
    assert big.size > 1024
    report = run_import(tenant_b, persona("bob"), big)
    assert [e.code for e in report.errors] == ["file"] and "MB" in report.errors[0].reason
    assert units_of(tenant_b) == [] and len(units_of(tenant_a)) == 3


def test_import_needs_the_manage_permission(tenant_a, persona, client_for, api_for):
    from django.http import Http404

    with pytest.raises(Http404):
        run_import(tenant_a, persona("amy"), upload(GOOD_ROWS))
    with pytest.raises(Http404):  # bob is not a member of A
        run_import(tenant_a, persona("bob"), upload(GOOD_ROWS))
    assert client_for(tenant_a, persona("amy")).get("/stations/units/import/").status_code == 404
    assert api_for(tenant_a, persona("amy")).post("/api/unit-import/", {"file": upload(GOOD_ROWS)}).status_code == 403
    assert units_of(tenant_a) == []


# ----------------------------------------------------------------------------------------------------- page
def test_import_page_shows_the_error_table(tenant_a, tenant_b, persona, client_for):
    page = client_for(tenant_a, persona("alice"))
    assert page.get("/stations/units/import/").status_code == 200
    rows = [*GOOD_ROWS[:2], ["坏代码有限公司", "企业", "城关镇", bad_code(9), 80, "", "", "", "", ""]]
    response = page.post("/stations/units/import/", {"file": upload(rows)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<table>" in html and "<td>4</td>" in html and "统一社会信用代码" in html
    assert units_of(tenant_a) == []

    response = page.post("/stations/units/import/", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    assert page.post("/stations/units/import/", {}).status_code == 400  # no file at all

    response = page.post("/stations/units/import/", {"file": upload(GOOD_ROWS)})
    assert response.status_code == 302 and response["Location"] == reverse("stations:unit-list")
    assert len(units_of(tenant_a)) == 5 and units_of(tenant_b) == []


def test_template_download_round_trips(tenant_a, tenant_b, persona, client_for):
    response = client_for(tenant_a, persona("alice")).get("/stations/units/import/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert 'filename="unit-import-template.xlsx"' in disposition and "filename*=UTF-8''" in disposition
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    validate_uscc(sheet["D2"].value)
    report = run_import(tenant_a, persona("alice"), SimpleUploadedFile("template.xlsx", response.content))
    assert report.ok and report.created == 1, report.errors
    assert units_of(tenant_b) == []


# ------------------------------------------------------------------------------------------------------ API
def test_api_import_answers_row_numbers(tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    rows = [*GOOD_ROWS, ["坏代码有限公司", "企业", "", bad_code(9), 80, "", "", "", "", ""]]
    response = api.post("/api/unit-import/", {"file": upload(rows)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    assert body["errors"] == [
        {
            "field": "file",
            "row": 7,
            "column": "统一社会信用代码",
            "cell": "D7",
            "reason": body["errors"][0]["reason"],
            "code": "invalid",
        }
    ]
    assert units_of(tenant_a) == []

    missing = api.post("/api/unit-import/", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"

    created = api.post("/api/unit-import/", {"file": upload(GOOD_ROWS)}, format="multipart")
    assert created.status_code == 201 and created.json() == {"created": 5}
    assert len(units_of(tenant_a)) == 5 and units_of(tenant_b) == []

    # Bob imports the same file into B: the codes are A's, not B's, so it works there too — in B only.
    other = api_for(tenant_b, persona("bob")).post("/api/unit-import/", {"file": upload(GOOD_ROWS)}, format="multipart")
    assert other.status_code == 201
    assert len(units_of(tenant_a)) == 5 and len(units_of(tenant_b)) == 5


def test_api_schema_lists_the_import(tenant_a, persona, api_for):
    paths = api_for(tenant_a, persona("alice")).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "multipart/form-data" in paths["/api/unit-import/"]["post"]["requestBody"]["content"]


# --------------------------------------------------------------------------------------------------- ledger
def _account_with_entries(tenant, user):
    from stations import services

    with schema_context(tenant.schema_name):
        account = services.open_account(user, tenant, name="县总工会帮扶资金")
        services.book_income(user, tenant, account.pk, amount="1234.56", source="upper_union")
        services.book_income(user, tenant, account.pk, amount="0.01", source="named_donation", donor="恒达集团")
        spent = services.book_expenditure(
            user, tenant, account.pk, amount="100.10", purpose="大病医疗救助", approver="王主席"
        )
        services.reverse_entry(user, tenant, spent.pk, note="录入错误")
        services.book_expenditure(user, tenant, account.pk, amount="99.99", purpose="金秋助学", approver="王主席")
        account.refresh_from_db()
        return account


def test_ledger_export_has_exact_amounts_and_is_404_across_tenants(tenant_a, tenant_b, persona, client_for):
    make_ids_foreign(tenant_a, tenant_b, FundAccount)  # A's account: an id B has never had...
    account = _account_with_entries(tenant_a, persona("alice"))
    assert account.balance == Decimal("1134.58")
    response = client_for(tenant_a, persona("alice")).get(f"/stations/funds/{account.pk}/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert f'filename="fund-ledger-{account.pk}-' in disposition and "filename*=UTF-8''%E5%8E%BF" in disposition

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert rows[0][1] == "县总工会帮扶资金"
    assert Decimal(str(rows[2][1])) == Decimal("1134.58") and sheet["B3"].number_format == "0.00"
    header_index = next(i for i, row in enumerate(rows) if row[0] in ("No.", "序号", "编号") or row[3] == "Amount")
    entries = rows[header_index + 1 :]
    assert [Decimal(str(row[3])) for row in entries] == [
        Decimal("1234.56"),
        Decimal("0.01"),
        Decimal("-100.10"),
        Decimal("100.10"),
        Decimal("-99.99"),
    ]
    assert [Decimal(str(row[9])) for row in entries] == [
        Decimal("1234.56"),
        Decimal("1234.57"),
        Decimal("1134.47"),
        Decimal("1234.57"),
        Decimal("1134.58"),
    ]
    assert entries[1][5] == "恒达集团" and entries[2][6] == "大病医疗救助" and entries[2][7] == "王主席"
    assert entries[3][11] == 3  # the reversal names entry No. 3
    assert all(sheet.cell(row=header_index + 1 + i, column=4).number_format == "0.00" for i in range(1, 6))
    # the amounts are written as exact decimal text, never as binary floats
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1234.56</v>" in xml and "<v>-99.99</v>" in xml

    # B's account, from A's host: 404 (an id that A does not have).
    make_ids_foreign(tenant_b, tenant_a, FundAccount)  # ...and B's account an id A has never had
    with schema_context(tenant_b.schema_name):
        from stations import services

        b_account = services.open_account(persona("bob"), tenant_b, name="乙县帮扶资金")
    assert b_account.pk not in set(_ids(tenant_a)) and account.pk not in set(_ids(tenant_b))
    assert client_for(tenant_a, persona("alice")).get(f"/stations/funds/{b_account.pk}/export.xlsx").status_code == 404
    assert client_for(tenant_b, persona("bob")).get(f"/stations/funds/{b_account.pk}/export.xlsx").status_code == 200
    # and A's account does not exist in B: 404 there, always (no longer only when the ids happened to differ)
    assert client_for(tenant_b, persona("bob")).get(f"/stations/funds/{account.pk}/export.xlsx").status_code == 404


def _ids(tenant):
    with schema_context(tenant.schema_name):
        return list(FundAccount.objects.values_list("pk", flat=True))


def test_ledger_export_needs_funds_view(tenant_a, persona, client_for):
    from django.http import Http404

    from stations.exporting import export_ledger

    account = _account_with_entries(tenant_a, persona("alice"))
    with schema_context(tenant_a.schema_name), pytest.raises(Http404):
        export_ledger(persona("bob"), tenant_a, account.pk)
    assert client_for(tenant_a).get(f"/stations/funds/{account.pk}/export.xlsx").status_code == 302  # to login


# ----------------------------------------------------------------------------------------------------- demo
def _demo_facts(tenant):
    with schema_context(tenant.schema_name):
        today_records = list(ReceptionRecord.objects.all())
        return {
            "units": Unit.objects.count(),
            "station_kinds": set(Station.objects.values_list("kind", flat=True)),
            "stages": {record.stage for record in today_records},
            "overdue": sum(record.is_overdue() for record in today_records),
            "receptions": len(today_records),
            "sources": set(FundEntry.objects.exclude(source="").values_list("source", flat=True)),
            "reversals": FundEntry.objects.filter(kind=FundEntry.Kind.REVERSAL).count(),
            "codes": sorted(Unit.objects.exclude(credit_code="").values_list("credit_code", flat=True)),
            "entries": FundEntry.objects.count(),
        }


def test_demo_data_covers_every_kind_and_stage_and_is_idempotent(tenant_a, tenant_b, persona):
    from stations.demo import seed_stations_demo

    with schema_context(tenant_a.schema_name):
        summary = seed_stations_demo(tenant_a, persona("alice"), seed=42)
    assert summary["units"] >= 15
    facts = _demo_facts(tenant_a)
    assert facts["station_kinds"] == {"own", "attached", "virtual"}
    assert facts["stages"] == set(ReceptionRecord.Stage.values)
    assert 20 <= facts["receptions"] <= 30 and facts["overdue"] >= 3
    assert facts["sources"] == set(FundEntry.Source.values) and facts["reversals"] == 1
    assert len(facts["codes"]) >= 12
    for credit_code in facts["codes"]:
        validate_uscc(credit_code)
    with schema_context(tenant_a.schema_name):
        own = Station.objects.filter(kind=Station.Kind.OWN)
        assert not own.filter(fund__isnull=True).exists()  # every own station has an account
        assert FundAccount.objects.filter(station__isnull=True).count() == 1  # and the union has its own
        assert Station.objects.filter(kind="virtual", hotline="12351").exists()
        checklists = [station.missing() for station in Station.objects.all()]
        assert any(not missing for missing in checklists) and any(missing for missing in checklists)
        # the stages are spread over the days since each visit, in order
        for record in ReceptionRecord.objects.exclude(stage="registered"):
            assert record.visited_at <= record.registered_at <= record.archived_at <= timezone.now()
        assert ReceptionRecord.objects.filter(stage="closed", closed_at__lt=timezone.now() - timedelta(days=1)).exists()

    assert _demo_facts(tenant_b)["units"] == 0  # B sees nothing

    with schema_context(tenant_a.schema_name):
        assert seed_stations_demo(tenant_a, persona("alice"), seed=42) == {}  # idempotent
    assert _demo_facts(tenant_a) == facts

    # Deterministic: the same seed gives tenant B the same enterprises (its own copy).
    with schema_context(tenant_b.schema_name):
        seed_stations_demo(tenant_b, persona("bob"), seed=42)
    assert _demo_facts(tenant_b)["codes"] == facts["codes"]


def test_demo_for_an_enterprise_group_nests_subsidiaries(tenant_a, tenant_b, persona):
    from stations.demo import seed_stations_demo

    group_tenant = copy.copy(tenant_b)
    group_tenant.kind = "enterprise_group"
    with schema_context(tenant_b.schema_name):
        seed_stations_demo(group_tenant, persona("bob"), seed=3)
        group = Unit.objects.get(name__endswith="集团有限公司")
        assert group.parent.kind == Unit.Kind.UNION
        first = list(Unit.objects.filter(parent=group))
        second = list(Unit.objects.filter(parent__in=first))
        assert len(first) == 3 and len(second) == 9
        assert all(unit.kind == Unit.Kind.ENTERPRISE for unit in first + second)
        assert set(Station.objects.values_list("kind", flat=True)) == {"own", "attached", "virtual"}
    assert units_of(tenant_a) == []


def test_long_error_lists_are_cut_but_counted(tenant_a, tenant_b, persona, client_for, monkeypatch):
    monkeypatch.setattr(kit, "MAX_LISTED_ERRORS", 2)
    rows = [[f"企业{i}", "企业", "", bad_code(i), 10, "", "", "", "", ""] for i in range(4)]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    assert (len(report.errors), report.error_count, report.unlisted) == (2, 4, 2)
    assert "4" in report.summary()
    response = client_for(tenant_a, persona("alice")).post("/stations/units/import/", {"file": upload(rows)})
    assert response.status_code == 400 and response.context["report"].unlisted == 2
    assert units_of(tenant_a) == [] and units_of(tenant_b) == []
