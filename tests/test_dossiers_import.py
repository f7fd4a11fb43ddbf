"""Dossier import from Excel (one row per household member, all or nothing), its template, page and API, and the
dossiers demo data.

Every data test runs against tenant A and tenant B and checks that the other tenant sees nothing. Workbooks are
built in memory with openpyxl.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from core.people.models import Unit
from core.pii import decrypt, parse_resident_id
from dossiers import importing
from dossiers.models import (
    Assistance,
    Dossier,
    DossierTransition,
    HouseholdMember,
    LivingStandard,
    Pairing,
    PairingVisit,
    ReviewCampaign,
    ReviewTask,
)
from tests.checkdigits import resident_id_check

HEADER = [column.header for column in importing.COLUMNS]
XLSX = importing.XLSX_CONTENT_TYPE


@pytest.fixture(autouse=True)
def _english():
    """Report reasons are checked in English here (the pages' language is tested in test_i18n)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def resident_id(area="511102", born="19800101", seq=123) -> str:
    body = f"{area}{born}{seq:03d}"
    return body + resident_id_check(body)


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def person(household, relation, name, id_number, **extra) -> dict:
    return {"household": household, "relation": relation, "name": name, "id_number": id_number, **extra}


def good_people() -> list[dict]:
    return [
        person("H1", "本人", "王建国", resident_id(seq=135), phone="13881234567", monthly_income=900, employed="是",
               employer="恒达机械有限公司", main_cause="因病", secondary_causes="因学、低收入", housing="租房",
               medical_insurance="职工医保", zero_employment="否", model_worker="市级劳模",
               bank_name="中国农业银行乐山分行", bank_account="6228480469912345678"),
        person("H1", "配偶", "李秀英", resident_id(born="19820506", seq=246), monthly_income="300.50", employed="否"),
        person("H1", "子女", "王子轩", resident_id(born="20110918", seq=35), schooling="初中"),
        person("H2", "户主", "张桂芳", resident_id("511181", "19750304", 82), monthly_income=600, main_cause="失业",
               housing="公租房", medical_insurance="居民医保", zero_employment="是"),
        person("H2", "母亲", "刘秀兰", resident_id("511181", "19480707", 44), monthly_income=180),
        # A household whose applicant is not on its first row; the rows of households may be interleaved.
        person("H3", "儿子", "陈宇", resident_id("511123", "20050101", 13), schooling="大学"),
        person("H3", "本人", "陈德明", resident_id("511123", "19700220", 57), monthly_income=2400, employed=1,
               main_cause="accident", accident_note="2024年7月山洪冲毁住房。"),
    ]  # fmt: skip


def workbook_bytes(people: list[dict], header=HEADER) -> bytes:
    fields = [importing.HEADER_LOOKUP.get(importing.header_key(text), text) for text in header]
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for item in people:
        sheet.append([item.get(name, "") for name in fields])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(people, header=HEADER, name="dossiers.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(people, header), content_type=XLSX)


def run_import(tenant, user, file):
    with schema_context(tenant.schema_name):
        return importing.import_dossiers(user, tenant, file)


def dossiers_of(tenant) -> list[Dossier]:
    with schema_context(tenant.schema_name):
        return list(Dossier.objects.prefetch_related("members").select_related("employer").order_by("pk"))


def enterprise(tenant, name="恒达机械有限公司") -> Unit:
    with schema_context(tenant.schema_name):
        return Unit.objects.create(kind=Unit.Kind.ENTERPRISE, name=name, employee_count=300)


def assert_no_full_id(report, *numbers):
    text = repr(report.errors) + report.summary()
    for number in numbers:
        assert number not in text and number[:17] not in text


# --------------------------------------------------------------------------------------------------- import
def test_valid_file_creates_the_households_in_tenant_a_only(tenant_a, tenant_b, persona):
    employer = enterprise(tenant_a)
    with schema_context(tenant_a.schema_name):
        from dossiers import services

        year = timezone.localdate().year
        services.set_living_standard(persona("alice"), tenant_a, year=year, monthly_per_capita="600")
    report = run_import(tenant_a, persona("alice"), upload(good_people()))
    assert report.ok, report.errors
    assert (report.created, report.members, report.households, report.rows) == (3, 7, 3, 7)
    assert "3" in report.summary()

    dossiers = dossiers_of(tenant_a)
    assert len(dossiers) == 3 and {d.status for d in dossiers} == {"draft"}
    first, second, third = dossiers
    assert first.employer_id == employer.pk
    assert (first.main_cause, first.secondary_causes) == ("illness", ["schooling", "low_income"])
    assert (first.housing, first.medical_insurance, first.model_worker) == ("rented", "employee", "city")
    assert not first.zero_employment and first.bank_name == "中国农业银行乐山分行"
    assert first.bank_account_last4 == "5678" and first.household_size == 3
    assert first.monthly_household_income == Decimal("1200.50") and first.tier == "deep"
    members = {m.name: m for m in first.members.all()}
    assert members["王建国"].relation == "applicant" and members["王建国"].employed
    assert members["王建国"].phone == "13881234567"
    assert members["李秀英"].relation == "spouse" and members["李秀英"].monthly_income == Decimal("300.50")
    assert members["王子轩"].schooling == "junior"
    assert decrypt(members["王建国"].id_number_encrypted, tenant_a.schema_name) == resident_id(seq=135)
    assert (second.main_cause, second.housing, second.medical_insurance) == ("unemployment", "public", "resident")
    assert second.zero_employment and second.employer is None
    assert {m.relation for m in second.members.all()} == {"applicant", "parent"}
    assert third.main_cause == "accident" and third.accident_note == "2024年7月山洪冲毁住房。"
    assert third.applicant().name == "陈德明" and third.applicant().employed
    with schema_context(tenant_a.schema_name):
        assert DossierTransition.objects.filter(to_status="draft").count() == 3

    assert dossiers_of(tenant_b) == []  # tenant B sees nothing


def test_english_headers_and_the_same_file_in_tenant_b(tenant_a, tenant_b, persona):
    enterprise(tenant_a)
    header = ["Household", "Relation", "Name", "ID number", "Phone", "Monthly income", "Employed", "Schooling",
              "Employer", "Main cause", "Secondary causes", "Accident note", "Housing", "Medical insurance",
              "Zero employment", "Model worker", "Bank", "Bank account"]  # fmt: skip
    assert run_import(tenant_a, persona("alice"), upload(good_people(), header)).ok
    # In B the employer does not exist (A's units are invisible): B's import fails, on that cell only.
    report = run_import(tenant_b, persona("bob"), upload(good_people(), header))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "Employer", "unknown_employer")]
    assert "恒达机械有限公司" in report.errors[0].reason
    assert dossiers_of(tenant_b) == [] and len(dossiers_of(tenant_a)) == 3


def test_one_bad_check_character_imports_nothing_and_names_row_and_column(tenant_a, tenant_b, persona):
    enterprise(tenant_a)
    people = good_people()
    bad = wrong_check(people[4]["id_number"])
    people[4]["id_number"] = bad  # row 6
    report = run_import(tenant_a, persona("alice"), upload(people))
    assert not report.ok and report.created == 0 and report.dossiers == []
    assert [(e.row, e.column, e.cell, e.code) for e in report.errors] == [(6, "身份证号", "D6", "check")]
    assert "check character" in report.errors[0].reason
    assert_no_full_id(report, bad, people[4]["id_number"])
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []
    with schema_context(tenant_a.schema_name):
        assert HouseholdMember.objects.count() == 0 and DossierTransition.objects.count() == 0


def test_row_errors_employer_applicant_duplicates_and_values(tenant_a, tenant_b, persona):
    enterprise(tenant_a)
    a = resident_id("511102", "19800101", 11)
    rows = [
        person("H1", "本人", "甲", a, main_cause="因病", employer="不存在的公司"),  # 2: unknown employer
        person("H1", "配偶", "乙", resident_id("511102", "19810101", 22)),  # 3
        person("H1", "子女", "丙", a),  # 4: the applicant again
        person("H2", "配偶", "丁", resident_id("511111", "19800101", 33), main_cause="因病"),  # 5: no applicant
        person("H2", "子女", "戊", resident_id("511111", "20100101", 44)),  # 6
        person("H3", "本人", "己", resident_id("511112", "19800101", 55), main_cause="天灾人祸"),  # 7: bad cause
        person("H3", "本人", "庚", resident_id("511112", "19820101", 66)),  # 8: a second applicant
        person("H4", "本人", "辛", "5111021980", main_cause="因病", monthly_income="很多"),  # 9: short ID, income
        person("", "本人", "壬", resident_id("511113", "19800101", 77), main_cause="因病"),  # 10: no household
        person("H5", "本人", "癸", a, main_cause="因病", employed="也许", housing="别墅"),  # 11: a is in H1
        person("H6", "本人", "子", 5.11102198001011e17, main_cause="因病"),  # 12: rounded by Excel
        person("H7", "本人", "丑", resident_id("511181", "19800101", 88), main_cause="因残", bank_account="12"),
    ]
    report = run_import(tenant_a, persona("alice"), upload(rows))
    found = {(e.row, e.column, e.code) for e in report.errors}
    assert found == {
        (2, "工作单位", "unknown_employer"),
        (4, "身份证号", "duplicate"),
        (5, "与申请人关系", "no_applicant"),
        (7, "主要致困原因", "invalid"),
        (8, "与申请人关系", "applicant"),
        (9, "身份证号", "length"),
        (9, "月收入", "invalid"),
        (10, "户编号", "required"),
        (11, "身份证号", "duplicate"),
        (11, "是否就业", "invalid"),
        (11, "住房情况", "invalid"),
        (12, "身份证号", "rounded"),
        (13, "银行账号", "invalid"),
    }, report.errors
    by = {(e.row, e.column): e for e in report.errors}
    assert "不存在的公司" in by[(2, "工作单位")].reason
    assert "row 2" in by[(4, "身份证号")].reason and "511102********" in by[(4, "身份证号")].reason
    assert "H1" in by[(11, "身份证号")].reason
    assert "row 7" in by[(8, "与申请人关系")].reason
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert_no_full_id(report, a)
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []


def test_a_person_already_in_a_live_dossier_is_refused(tenant_a, tenant_b, persona):
    enterprise(tenant_a)
    assert run_import(tenant_a, persona("alice"), upload(good_people())).ok
    report = run_import(tenant_a, persona("alice"), upload(good_people()[3:5]))  # household H2 again
    assert {(e.row, e.code) for e in report.errors} == {(2, "exists"), (3, "exists")}
    assert all("511181********" in e.reason for e in report.errors)
    assert len(dossiers_of(tenant_a)) == 3
    # B has no dossiers: the same people import there (and only there).
    assert run_import(tenant_b, persona("bob"), upload(good_people()[3:5])).ok
    assert len(dossiers_of(tenant_b)) == 1 and len(dossiers_of(tenant_a)) == 3


def test_household_facts_given_twice_must_agree(tenant_a, tenant_b, persona):
    people = good_people()[3:5]
    people[1]["main_cause"] = "因病"  # the mother's row says otherwise than the applicant's
    people[1]["housing"] = "公租房"  # the same as the applicant's: fine
    report = run_import(tenant_a, persona("alice"), upload(people))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, "主要致困原因", "conflict")]
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []


def test_header_problems(tenant_a, tenant_b, persona):
    report = run_import(tenant_a, persona("alice"), upload([], header=["户编号", "姓名", "备注"]))
    assert {(e.row, e.column) for e in report.errors} == {
        (1, "备注"),
        (1, "与申请人关系"),
        (1, "身份证号"),
        (1, "主要致困原因"),
    }
    report = run_import(tenant_b, persona("bob"), upload([]))
    assert [e.code for e in report.errors] == ["empty"]
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("dossiers.csv", "户编号,姓名\nH1,王建国\n".encode(), ".xlsx"),
        ("dossiers.xlsx", b"this is not a workbook", ".xlsx"),
        ("dossiers.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("dossiers.xlsx", b"PK\x03\x04 broken zip", ".xlsx"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(tenant_a, tenant_b, persona, name, content, words):
    report = run_import(tenant_a, persona("alice"), SimpleUploadedFile(name, content))
    assert not report.ok and len(report.errors) == 1
    assert report.errors[0].row is None and words in report.errors[0].reason
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []


def test_size_and_row_limits(tenant_a, tenant_b, persona, monkeypatch):
    monkeypatch.setattr(importing.DossierImporter, "max_rows", 3)
    people = good_people()[3:5] + good_people()[5:7]
    report = run_import(tenant_a, persona("alice"), upload(people))
    assert [e.code for e in report.errors] == ["too_many_rows"] and "3" in report.errors[0].reason
    assert run_import(tenant_a, persona("alice"), upload(good_people()[3:5])).ok

    monkeypatch.setattr(importing.DossierImporter, "max_file_size", 1024)
    big = upload(people)
    assert big.size > 1024
    report = run_import(tenant_b, persona("bob"), big)
    assert [e.code for e in report.errors] == ["file"] and "MB" in report.errors[0].reason
    assert dossiers_of(tenant_b) == [] and len(dossiers_of(tenant_a)) == 1


def test_import_needs_the_edit_permission(tenant_a, tenant_b, persona):
    with pytest.raises(Http404):  # bob is not a member of A
        run_import(tenant_a, persona("bob"), upload(good_people()[3:5]))
    assert dossiers_of(tenant_a) == [] and dossiers_of(tenant_b) == []


def test_template_round_trips(tenant_a, tenant_b, persona):
    content = importing.dossier_import_template()
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    for row in (2, 3, 4):
        parse_resident_id(sheet[f"D{row}"].value)
    report = run_import(tenant_b, persona("bob"), SimpleUploadedFile("template.xlsx", content))
    assert report.ok and report.created == 1 and report.members == 3, report.errors
    assert dossiers_of(tenant_a) == []


# ----------------------------------------------------------------------------------------- page and API


def test_import_page_shows_the_error_table(tenant_a, tenant_b, persona, client_for):
    enterprise(tenant_a)
    page = client_for(tenant_a, persona("alice"))
    response = page.get("/dossiers/import/")
    assert response.status_code == 200 and "户编号" in response.content.decode()
    people = good_people()
    bad = wrong_check(people[1]["id_number"])
    people[1]["id_number"] = bad
    response = page.post("/dossiers/import/", {"file": upload(people)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<table>" in html and "<td>3</td>" in html and "身份证号" in html and "(D3)" in html
    assert bad not in html and bad[:17] not in html
    assert dossiers_of(tenant_a) == []

    response = page.post("/dossiers/import/", {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    assert page.post("/dossiers/import/", {}).status_code == 400  # no file at all

    response = page.post("/dossiers/import/", {"file": upload(good_people())})
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:dossier-list")
    assert len(dossiers_of(tenant_a)) == 3 and dossiers_of(tenant_b) == []
    assert client_for(tenant_a, persona("bob")).get("/dossiers/import/").status_code in (302, 404)


def test_template_download(tenant_a, persona, client_for):
    response = client_for(tenant_a, persona("alice")).get("/dossiers/import/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="dossier-import-template.xlsx"' in response["Content-Disposition"]
    assert [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]] == HEADER


def test_api_import_answers_row_numbers(tenant_a, tenant_b, persona, api_for):
    enterprise(tenant_a)
    api = api_for(tenant_a, persona("alice"))
    people = good_people()
    bad = wrong_check(people[6]["id_number"])
    people[6]["id_number"] = bad  # row 8
    response = api.post("/api/dossier-import/", {"file": upload(people)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    assert body["errors"] == [
        {
            "field": "file",
            "row": 8,
            "column": "身份证号",
            "cell": "D8",
            "reason": body["errors"][0]["reason"],
            "code": "check",
        }
    ]
    assert bad not in response.content.decode() and bad[:17] not in response.content.decode()
    assert dossiers_of(tenant_a) == []

    missing = api.post("/api/dossier-import/", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"

    created = api.post("/api/dossier-import/", {"file": upload(good_people())}, format="multipart")
    assert created.status_code == 201 and created.json() == {"created": 3}
    assert len(dossiers_of(tenant_a)) == 3 and dossiers_of(tenant_b) == []

    # Bob's token does not work on A's host; on B's host his import fails (no such employer in B).
    foreign = api_for(tenant_a, persona("bob")).post("/api/dossier-import/", {"file": upload(good_people())})
    assert foreign.status_code in (401, 403)
    other = api_for(tenant_b, persona("bob")).post("/api/dossier-import/", {"file": upload(good_people())})
    assert other.status_code == 400 and [e["row"] for e in other.json()["errors"]] == [2]
    assert dossiers_of(tenant_b) == [] and len(dossiers_of(tenant_a)) == 3


def test_api_schema_lists_the_import(tenant_a, persona, api_for):
    schema = api_for(tenant_a, persona("alice")).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/dossier-import/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "400"} <= set(operation["responses"])


# ----------------------------------------------------------------------------------------------------- demo
def _demo_facts(tenant) -> dict:
    with schema_context(tenant.schema_name):
        return {
            "dossiers": Dossier.objects.count(),
            "statuses": set(Dossier.objects.values_list("status", flat=True)),
            "tiers": set(Dossier.objects.values_list("tier", flat=True)),
            "kinds": set(Assistance.objects.values_list("kind", flat=True)),
            "paid_from_fund": Assistance.objects.filter(fund_entry__isnull=False).count(),
            "in_kind": Assistance.objects.filter(amount=0).count(),
            "pairings": Pairing.objects.count(),
            "visits": PairingVisit.objects.count(),
            "members": HouseholdMember.objects.count(),
            "transitions": DossierTransition.objects.count(),
        }


# Statements the demo's 40 households take with seed 7, with a tenth's headroom: 4,404 when written; 4,884 since
# filing claims the applicant's one live dossier (a lookup, and the save in a savepoint so the unique index can
# refuse a racing second filing).
DEMO_MAX_QUERIES = 5_370


def test_demo_covers_every_status_and_kind_and_is_idempotent(tenant_a, tenant_b, persona):
    from dossiers.demo import LESHAN_AREAS, seed_dossiers_demo
    from stations.demo import seed_stations_demo

    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        seed_stations_demo(tenant_a, alice, seed=7)  # enterprises, stations and a fund account
        # No wall clock (benchmarks live in bench/): a bound on the statements, which does not depend on the machine
        # and catches the same regression — a statement per member or per row where the seeding batches them.
        with CaptureQueriesContext(connection) as queries:
            summary = seed_dossiers_demo(tenant_a, alice, seed=7, households=40)
    assert summary["dossiers"] == 40 and len(queries) <= DEMO_MAX_QUERIES, len(queries)
    facts = _demo_facts(tenant_a)
    assert facts["statuses"] == set(Dossier.Status.values)
    assert facts["tiers"] == set(Dossier.Tier.values)
    assert facts["kinds"] == set(Assistance.Kind.values)
    assert facts["paid_from_fund"] >= 1 and facts["in_kind"] >= 1
    assert facts["pairings"] >= 2 and facts["visits"] >= facts["pairings"]
    with schema_context(tenant_a.schema_name):
        today = timezone.localdate()
        assert set(LivingStandard.objects.values_list("year", flat=True)) == {today.year, today.year - 1}
        campaign = ReviewCampaign.objects.get(year=today.year)
        tasks = ReviewTask.objects.filter(campaign=campaign)
        decided = tasks.exclude(outcome="")
        assert 0 < decided.count() < tasks.count()  # in progress
        assert not decided.filter(evidence="").exists()
        assert Dossier.objects.filter(employer__isnull=False).exists()
        for member in HouseholdMember.objects.all():
            number = decrypt(member.id_number_encrypted, tenant_a.schema_name)
            assert parse_resident_id(number).area_code in LESHAN_AREAS
            assert member.sex == parse_resident_id(number).sex
        # every transition has a reason, and the history is spread over the past
        assert not DossierTransition.objects.filter(reason="").exists()
        assert Dossier.objects.filter(created_at__lt=timezone.now() - timezone.timedelta(days=60)).exists()
        for dossier in Dossier.objects.exclude(status="draft").prefetch_related("transitions"):
            times = [t.at for t in dossier.transitions.all()]
            assert times == sorted(times) and times[0] <= timezone.now()
        for assistance in Assistance.objects.filter(fund_entry__isnull=False).select_related("fund_entry"):
            assert assistance.fund_entry.amount == -assistance.amount
    assert _demo_facts(tenant_b)["dossiers"] == 0  # B sees nothing

    with schema_context(tenant_a.schema_name):
        assert seed_dossiers_demo(tenant_a, alice, seed=7, households=40) == {}  # idempotent
    assert _demo_facts(tenant_a) == facts
