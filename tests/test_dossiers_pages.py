"""The dossier pages: list and export, filing and editing, the detail (ID numbers, lifecycle, assistance), the
printable form, the annual review and the minimum-living standards.

Every data test builds dossiers on tenant A and tenant B (through the services, in each tenant's schema) and checks
that B's never show on A's host and that B's ids answer 404 there. Full resident ID numbers must never reach a page
or a sheet of a role without ``dossiers.view_id_number``; for one with it, only after an explicit POST, with one
audit row per number shown. Pages are asked for in English so the assertions do not depend on the catalog.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from core.pii import mask_resident_id
from tests.checkdigits import resident_id_check
from tests.isolation import assert_absent_from, assert_not_found, assert_only_in, guard

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
B_IDS_FROM = 1_000_000


def resident_id(area: str, born: str, seq: int) -> str:
    body = f"{area}{born}{seq:03d}"
    return body + resident_id_check(body)


def household(label: str, area: str, base: int, applicant_income="900") -> list[dict]:
    return [
        {
            "relation": "applicant",
            "name": f"{label}建国{base}",
            "id_number": resident_id(area, "19800101", base + 1),
            "monthly_income": applicant_income,
        },
        {
            "relation": "spouse",
            "name": f"{label}秀英{base}",
            "id_number": resident_id(area, "19820202", base + 2),
            "monthly_income": "300",
        },
        {"relation": "child", "name": f"{label}小明{base}", "id_number": resident_id(area, "20100303", base + 3)},
    ]


@dataclass
class World:
    draft: object
    filed: object
    submitted: object
    names: tuple[str, ...]
    numbers: tuple[str, ...]


def build_world(tenant, admin, label: str, area: str) -> World:
    """Three households — a draft, a submitted and a filed dossier — and this year's standard."""
    from dossiers import services

    with schema_context(tenant.schema_name):
        services.set_living_standard(admin, tenant, year=timezone.localdate().year, monthly_per_capita="450")
        made = []
        for base in (100, 200, 300):
            members = household(label, area, base)
            made.append(services.file_dossier(admin, tenant, data={"main_cause": "illness"}, members=members))
        draft, submitted, filed = made
        services.transition(admin, tenant, submitted.pk, to_status="submitted", reason="材料齐全")
        for status in ("submitted", "reviewed", "filed"):
            services.transition(admin, tenant, filed.pk, to_status=status, reason="核实")
    people = [m for base in (100, 200, 300) for m in household(label, area, base)]
    return World(
        draft=draft,
        filed=filed,
        submitted=submitted,
        names=tuple(m["name"] for m in people),
        numbers=tuple(m["id_number"] for m in people),
    )


def move_ids_apart(tenant) -> None:
    """Start tenant B's dossier ids far above A's, so a B id can never name an A row by chance."""
    tables = ("dossiers_dossier", "dossiers_householdmember", "dossiers_reviewcampaign", "dossiers_reviewtask")
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, (SELECT COALESCE(MAX(id), 0) FROM "
                + table
                + ")))",
                [table, B_IDS_FROM],
            )


@pytest.fixture
def worlds(tenant_a, tenant_b, persona):
    a = build_world(tenant_a, persona("alice"), "甲", "511102")
    move_ids_apart(tenant_b)
    return a, build_world(tenant_b, persona("bob"), "乙", "510104")


def foreign_texts(world: World) -> tuple[str, ...]:
    """What of a world must never show on the other tenant's host: names, full and masked ID numbers."""
    return (*world.names, *world.numbers, *(mask_resident_id(n) for n in world.numbers))


def guarded(request, client):
    """In a test with `worlds`, every page the client gets on tenant A's host is checked for tenant B's data."""
    if "worlds" in request.fixturenames:
        guard(client, foreign_texts(request.getfixturevalue("worlds")[1]))
    return client


@pytest.fixture
def alice(request, tenant_a, client_for, persona):
    return guarded(request, client_for(tenant_a, persona("alice"), **EN))


@pytest.fixture
def amy(request, tenant_a, client_for, persona):
    return guarded(request, client_for(tenant_a, persona("amy"), **EN))


@pytest.fixture
def bob(worlds, tenant_b, client_for, persona):
    """Bob on tenant B's host: every page he gets is checked for tenant A's data."""
    return guard(client_for(tenant_b, persona("bob"), **EN), foreign_texts(worlds[0]))


def member_user(tenant, username: str, role: str):
    from django.contrib.auth import get_user_model

    from tenants.models import Membership

    user = get_user_model().objects.create_user(username=username, password="Str0ng-test-pass!")
    Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


def page(response) -> str:
    return response.content.decode()


def assert_none_of(values, text):
    for value in values:
        assert value not in text, value


def sheet_values(content: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(content))
    return [
        str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
    ]


def members_of(tenant, dossier):
    from dossiers.models import HouseholdMember

    with schema_context(tenant.schema_name):
        return list(HouseholdMember.objects.filter(dossier_id=dossier.pk).order_by("id"))


def audit_rows(tenant, **filters):
    from dossiers.models import IdNumberView

    with schema_context(tenant.schema_name):
        return list(IdNumberView.objects.filter(**filters).values_list("member_id", "channel", "viewer_username"))


# ------------------------------------------------------------------------------------------------- list
def test_list_shows_only_the_tenants_dossiers_masked(worlds, alice, tenant_b, client_for, persona):
    a, b = worlds
    response = alice.get("/dossiers/")
    assert response.status_code == 200
    text = page(response)
    for name in (f"甲建国{base}" for base in (100, 200, 300)):
        assert name in text
    assert mask_resident_id(a.numbers[0]) in text
    assert_none_of(a.numbers, text)  # masked only, even for the tenant admin
    assert_none_of(b.names + b.numbers, text)
    assert 'href="/dossiers/new/"' in text

    filed_only = page(alice.get("/dossiers/", {"status": "filed"}))
    assert "甲建国300" in filed_only and "甲建国100" not in filed_only
    searched = page(alice.get("/dossiers/", {"q": "建国2"}))
    assert "甲建国200" in searched and "甲建国300" not in searched

    text_b = page(client_for(tenant_b, persona("bob"), **EN).get("/dossiers/"))
    assert "乙建国100" in text_b
    assert_none_of(a.names, text_b)


def test_navigation_links_to_the_dossier_pages(worlds, alice):
    nav = re.search(r'<nav class="sidebar"[^>]*>(.*?)</nav>', page(alice.get("/")), re.S).group(1)
    assert 'href="/dossiers/"' in nav and 'href="/dossiers/reviews/"' in nav


def test_list_queries_do_not_grow_with_rows(worlds, alice, tenant_a, persona):
    from dossiers import services

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get("/dossiers/").status_code == 200
        return len(queries)

    alice.get("/dossiers/")
    before = count()
    admin = persona("alice")
    with schema_context(tenant_a.schema_name):
        for base in (400, 500, 600, 700):
            dossier = services.file_dossier(
                admin, tenant_a, data={"main_cause": "illness"}, members=household("甲", "511102", base)
            )
            for status in ("submitted", "reviewed", "filed"):
                services.transition(admin, tenant_a, dossier.pk, to_status=status, reason="ok")
            services.record_assistance(admin, tenant_a, dossier.pk, kind="employment", programme="培训")
    assert count() == before


def test_foreign_ids_answer_404_on_a(worlds, alice, tenant_b, persona):
    from dossiers import services

    _a, b = worlds
    assert b.draft.pk > B_IDS_FROM
    b_member = members_of(tenant_b, b.filed)[0]
    with schema_context(tenant_b.schema_name):
        campaign = services.start_annual_review(persona("bob"), tenant_b, year=2026)
    for url in (
        f"/dossiers/{b.draft.pk}/",
        f"/dossiers/{b.draft.pk}/edit/",
        f"/dossiers/{b.filed.pk}/print/",
        f"/dossiers/reviews/{campaign.pk}/",
        "/dossiers/999999/",
    ):
        assert alice.get(url).status_code == 404, url
    assert alice.post(f"/dossiers/{b.filed.pk}/", {"action": "reveal", "member": b_member.pk}).status_code == 404
    assert alice.post(f"/dossiers/{b.filed.pk}/print/", {"full_ids": "1"}).status_code == 404
    assert alice.post(f"/dossiers/{b.draft.pk}/", {"action": "transition"}).status_code == 404
    assert not audit_rows(tenant_b)


# ------------------------------------------------------------------------------------------- ID numbers
def test_station_staff_never_see_a_full_number(worlds, amy, tenant_a):
    a, b = worlds
    member = members_of(tenant_a, a.filed)[0]
    pages = [
        amy.get("/dossiers/"),
        amy.get(f"/dossiers/{a.filed.pk}/"),
        amy.get(f"/dossiers/{a.draft.pk}/edit/"),
        amy.get(f"/dossiers/{a.filed.pk}/print/"),
    ]
    for response in pages:
        assert response.status_code == 200
        text = page(response)
        assert_none_of(a.numbers + b.numbers, text)
        assert "Show full number" not in text and 'name="full_ids"' not in text
    assert member.id_masked in page(pages[1])

    assert amy.post(f"/dossiers/{a.filed.pk}/", {"action": "reveal", "member": member.pk}).status_code == 404
    assert amy.post(f"/dossiers/{a.filed.pk}/print/", {"full_ids": "1"}).status_code == 404
    assert amy.post("/dossiers/export/", {"full_ids": "1"}).status_code == 404

    export = amy.post("/dossiers/export/")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    values = sheet_values(export.content)
    assert member.id_masked in values and "甲建国300" in values
    assert_none_of(a.numbers + b.numbers + b.names, " ".join(values))
    assert not audit_rows(tenant_a)


def test_alice_sees_a_number_only_after_the_reveal_post(worlds, alice, tenant_a):
    a, _b = worlds
    applicant, spouse, child = members_of(tenant_a, a.filed)
    number = household("甲", "511102", 300)[0]["id_number"]
    text = page(alice.get(f"/dossiers/{a.filed.pk}/"))
    assert_none_of(a.numbers, text)
    assert text.count("Show full number") == 3
    assert not audit_rows(tenant_a)

    response = alice.post(f"/dossiers/{a.filed.pk}/", {"action": "reveal", "member": applicant.pk})
    assert response.status_code == 200  # shown in this response, never through a redirect or a URL
    assert "no-store" in response["Cache-Control"]
    text = page(response)
    row = re.search(rf'<tr id="member-{applicant.pk}">(.*?)</tr>', text, re.S).group(1)
    assert number in row
    assert_none_of([n for n in a.numbers if n != number], text)
    assert audit_rows(tenant_a) == [(applicant.pk, "page", "alice")]

    assert number not in page(alice.get(f"/dossiers/{a.filed.pk}/"))  # once, in that response only
    other = alice.post(f"/dossiers/{a.filed.pk}/", {"action": "reveal", "member": members_of(tenant_a, a.draft)[0].pk})
    assert other.status_code == 404  # a member of another dossier is not revealed on this one
    assert len(audit_rows(tenant_a)) == 1


def test_print_is_masked_unless_alice_asks_for_full_numbers(worlds, alice, tenant_a):
    a, _b = worlds
    members = members_of(tenant_a, a.filed)
    text = page(alice.get(f"/dossiers/{a.filed.pk}/print/"))
    assert "@page" in text and "A4" in text and '<nav class="sidebar"' not in text
    assert members[0].id_masked in text
    assert_none_of(a.numbers, text)
    assert 'name="full_ids"' in text and not audit_rows(tenant_a)

    response = alice.post(f"/dossiers/{a.filed.pk}/print/", {"full_ids": "1"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = page(response)
    for member in household("甲", "511102", 300):
        assert member["id_number"] in text
    assert sorted(audit_rows(tenant_a)) == sorted((m.pk, "print", "alice") for m in members)


def test_export_with_full_numbers_audits_each_exported_member(worlds, alice, tenant_a):
    a, b = worlds
    masked = alice.get("/dossiers/export/")
    assert masked.status_code == 200
    assert_none_of(a.numbers, " ".join(sheet_values(masked.content)))
    assert not audit_rows(tenant_a)

    response = alice.post("/dossiers/export/?status=filed", {"full_ids": "1"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    values = sheet_values(response.content)
    filed_numbers = [m["id_number"] for m in household("甲", "511102", 300)]
    for number in filed_numbers:
        assert number in values
    others = [n for n in a.numbers if n not in filed_numbers]
    assert_none_of(others + list(b.numbers) + list(b.names), " ".join(values))
    members = members_of(tenant_a, a.filed)
    assert sorted(audit_rows(tenant_a)) == sorted((m.pk, "export", "alice") for m in members)

    alice.post("/dossiers/export/", {"full_ids": "1"})  # every visible dossier: nine members
    assert len(audit_rows(tenant_a, channel="export")) == 3 + 9


# ------------------------------------------------------------------------------------------- new and edit
FACTS = {"main_cause": "illness", "housing": "own", "medical_insurance": "employee"}


def member_post(members: list[dict], rows: int = 5, initial: int = 1) -> dict:
    data = {
        "members-TOTAL_FORMS": str(rows),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for index, member in enumerate(members):
        for field, value in member.items():
            if field == "employed":
                if value:
                    data[f"members-{index}-employed"] = "on"
                continue
            data[f"members-{index}-{field}"] = value
    return data


def test_new_dossier_is_filed_through_the_service(worlds, alice, bob, tenant_a, tenant_b):
    from dossiers.models import Dossier

    form = page(alice.get("/dossiers/new/"))
    assert 'name="members-0-id_number"' in form and 'name="consent-health_given_by"' in form
    members = household("甲", "511102", 800)
    members[1]["employed"] = True
    response = alice.post(
        "/dossiers/new/",
        {"main_cause": "unemployment", "housing": "rented", "medical_insurance": "resident", **member_post(members)},
    )
    assert response.status_code == 302, page(response)
    with schema_context(tenant_a.schema_name):
        dossier = Dossier.objects.get(members__name="甲建国800")
        assert response["Location"] == f"/dossiers/{dossier.pk}/"
        assert dossier.status == "draft" and dossier.household_size == 3 and dossier.tier == "deep"
        assert dossier.members.get(relation="spouse").employed
    assert_absent_from(tenant_b, Dossier, members__name="甲建国800")
    assert_not_found(bob, f"/dossiers/{dossier.pk}/")
    assert "甲建国800" not in page(bob.get("/dossiers/"))


def test_member_row_errors_show_on_their_row_with_400(worlds, alice, tenant_a):
    from dossiers.models import Dossier

    members = household("甲", "511102", 800)
    good = members[1]["id_number"]
    members[1]["id_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    members[2]["health"] = "serious"  # no consent recorded
    response = alice.post("/dossiers/new/", {**FACTS, **member_post(members)})
    assert response.status_code == 400
    text = page(response)
    row1 = re.search(r'<tr id="member-1"[^>]*>(.*?)</tr>', text, re.S).group(1)
    assert "The check character of this resident ID number is wrong." in row1
    row0 = re.search(r'<tr id="member-0"[^>]*>(.*?)</tr>', text, re.S).group(1)
    assert "errorlist" not in row0
    with schema_context(tenant_a.schema_name):
        assert not Dossier.objects.filter(members__name="甲建国800").exists()

    members[1]["id_number"] = good
    response = alice.post("/dossiers/new/", {**FACTS, **member_post(members)})
    assert response.status_code == 400
    row2 = re.search(r'<tr id="member-2"[^>]*>(.*?)</tr>', page(response), re.S).group(1)
    assert "Record the household&#x27;s consent before saving this." in row2

    consent = {"consent-health_given_by": "甲建国800", "consent-health_evidence": "签字同意书"}
    response = alice.post("/dossiers/new/", {**FACTS, **member_post(members), **consent})
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert Dossier.objects.get(members__name="甲建国800").members.get(relation="child").health == "serious"


def test_a_blank_row_between_members_still_maps_errors_to_the_right_row(worlds, alice):
    members = household("甲", "511102", 800)
    members.insert(1, {})  # an untouched row in the middle
    members[3]["id_number"] = "123"
    response = alice.post("/dossiers/new/", {**FACTS, **member_post(members)})
    assert response.status_code == 400
    row3 = re.search(r'<tr id="member-3"[^>]*>(.*?)</tr>', page(response), re.S).group(1)
    assert "A resident ID number has 18 characters" in row3


def test_edit_keeps_members_unless_the_rows_change(worlds, alice, amy, tenant_a):
    from dossiers.models import Dossier

    a, _b = worlds
    members = members_of(tenant_a, a.draft)
    form = page(amy.get(f"/dossiers/{a.draft.pk}/edit/"))
    assert members[0].id_masked in form
    assert_none_of(a.numbers, form)

    rows = [
        {f: getattr(m, f) if getattr(m, f) is not None else "" for f in ("relation", "name", "phone", "schooling")}
        | {"monthly_income": str(m.monthly_income), "id_number": ""}
        for m in members
    ]
    facts = {"main_cause": "illness", "housing": "rented", "medical_insurance": "employee"}
    response = amy.post(f"/dossiers/{a.draft.pk}/edit/", {**facts, **member_post(rows, rows=5, initial=3)})
    assert response.status_code == 302, page(response)
    with schema_context(tenant_a.schema_name):
        dossier = Dossier.objects.get(pk=a.draft.pk)
        assert dossier.housing == "rented" and dossier.members.count() == 3

    rows[0]["monthly_income"] = "2000"  # a member changed: every number is typed again
    response = amy.post(f"/dossiers/{a.draft.pk}/edit/", {**facts, **member_post(rows, rows=5, initial=3)})
    assert response.status_code == 400
    assert "Type the resident ID number again" in page(response)
    for row, number in zip(rows, household("甲", "511102", 100), strict=True):
        row["id_number"] = number["id_number"]
    response = amy.post(f"/dossiers/{a.draft.pk}/edit/", {**facts, **member_post(rows, rows=5, initial=3)})
    assert response.status_code == 302, page(response)
    with schema_context(tenant_a.schema_name):
        assert Dossier.objects.get(pk=a.draft.pk).monthly_household_income == 2300

    not_draft = amy.get(f"/dossiers/{a.filed.pk}/edit/")
    assert not_draft.status_code == 302 and not_draft["Location"] == f"/dossiers/{a.filed.pk}/"


# --------------------------------------------------------------------------------------------- lifecycle
def offered(text: str) -> set[str]:
    form = re.search(r'<form method="post" id="transition-form">(.*?)</form>', text, re.S)
    if form is None:
        return set()
    select = re.search(r'<select name="transition-to_status"[^>]*>(.*?)</select>', form.group(1), re.S).group(1)
    return set(re.findall(r'<option value="([a-z]+)"', select))


def test_transition_form_offers_only_the_roles_steps(worlds, alice, amy, tenant_a, client_for):
    a, _b = worlds
    reviewer = client_for(tenant_a, member_user(tenant_a, "rita", "reviewer"), **EN)
    viewer = client_for(tenant_a, member_user(tenant_a, "vera", "viewer"), **EN)

    assert offered(page(amy.get(f"/dossiers/{a.draft.pk}/"))) == {"submitted"}
    assert offered(page(alice.get(f"/dossiers/{a.draft.pk}/"))) == {"submitted", "cancelled"}
    assert offered(page(amy.get(f"/dossiers/{a.submitted.pk}/"))) == set()
    assert offered(page(reviewer.get(f"/dossiers/{a.submitted.pk}/"))) == {"draft", "reviewed"}
    assert offered(page(alice.get(f"/dossiers/{a.submitted.pk}/"))) == {"draft", "reviewed", "cancelled"}
    assert offered(page(reviewer.get(f"/dossiers/{a.filed.pk}/"))) == {"lifted"}
    assert offered(page(viewer.get(f"/dossiers/{a.filed.pk}/"))) == set()

    refused = amy.post(
        f"/dossiers/{a.submitted.pk}/",
        {"action": "transition", "transition-to_status": "reviewed", "transition-reason": "x"},
    )
    assert refused.status_code == 400
    no_reason = reviewer.post(
        f"/dossiers/{a.submitted.pk}/", {"action": "transition", "transition-to_status": "reviewed"}
    )
    assert no_reason.status_code == 400
    done = reviewer.post(
        f"/dossiers/{a.submitted.pk}/",
        {"action": "transition", "transition-to_status": "reviewed", "transition-reason": "入户核实"},
    )
    assert done.status_code == 302
    text = page(alice.get(f"/dossiers/{a.submitted.pk}/"))
    assert "入户核实" in text and offered(text) == {"filed", "draft", "cancelled"}


def test_detail_shows_eligibility_reasons_and_records_assistance(worlds, alice, bob, tenant_a, tenant_b, persona):
    from dossiers.models import Assistance
    from stations import services as stations

    a, b = worlds
    with schema_context(tenant_a.schema_name):
        account = stations.open_account(persona("alice"), tenant_a, name="甲帮扶资金")
        stations.book_income(persona("alice"), tenant_a, account.pk, amount="1000", source="upper_union")
    text = page(alice.get(f"/dossiers/{a.filed.pk}/"))
    assert "At or below the minimum-living standard: deep hardship." in text
    assert 'id="assistance-form"' in text and f'<option value="{account.pk}">甲帮扶资金</option>' in text
    assert 'id="assistance-form"' not in page(alice.get(f"/dossiers/{a.draft.pk}/"))  # filed dossiers only

    missing_approver = alice.post(
        f"/dossiers/{a.filed.pk}/",
        {
            "action": "assistance",
            "assistance-kind": "medical",
            "assistance-amount": "800",
            "assistance-fund_account": account.pk,
        },
    )
    assert missing_approver.status_code == 400
    response = alice.post(
        f"/dossiers/{a.filed.pk}/",
        {
            "action": "assistance",
            "assistance-kind": "medical",
            "assistance-amount": "800",
            "assistance-fund_account": account.pk,
            "assistance-approver": "主席",
            "assistance-given_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    in_kind = alice.post(
        f"/dossiers/{a.filed.pk}/",
        {"action": "assistance", "assistance-kind": "employment", "assistance-programme": "技能培训"},
    )
    assert in_kind.status_code == 302
    text = page(alice.get(f"/dossiers/{a.filed.pk}/"))
    assert "800.00" in text and "技能培训" in text
    listing = page(alice.get("/dossiers/"))
    row = re.search(rf'<tr>\s*<td><a href="/dossiers/{a.filed.pk}/">.*?</tr>', listing, re.S).group(0)
    assert timezone.localdate().isoformat() in row  # the latest: in kind, today
    # The assistance is A's alone: B's schema has none, B's host does not know A's dossier, B's account is untouched.
    assert_only_in(tenant_a, tenant_b, Assistance, programme="技能培训")
    assert_absent_from(tenant_b, Assistance, dossier_id=a.filed.pk)
    assert_not_found(bob, f"/dossiers/{a.filed.pk}/")
    assert bob.post(f"/dossiers/{a.filed.pk}/", {"action": "assistance", "assistance-kind": "employment",
                                                 "assistance-programme": "越界"}).status_code == 404  # fmt: skip
    assert_absent_from(tenant_a, Assistance, programme="越界")
    assert_absent_from(tenant_b, Assistance, programme="越界")
    assert "技能培训" not in page(bob.get(f"/dossiers/{b.filed.pk}/"))


# ------------------------------------------------------------------------------------------- annual review
def test_annual_review_pages(worlds, alice, amy, tenant_a, tenant_b, client_for, persona):
    from dossiers.models import Dossier, ReviewTask

    a, b = worlds
    assert amy.post("/dossiers/reviews/", {"year": "2026", "sample_share": "30"}).status_code == 404
    response = alice.post("/dossiers/reviews/", {"year": "2026", "sample_share": "30"})
    assert response.status_code == 302
    with schema_context(tenant_a.schema_name):
        task = ReviewTask.objects.get(dossier_id=a.filed.pk)
    assert response["Location"] == f"/dossiers/reviews/{task.campaign_id}/"
    listing = page(alice.get("/dossiers/reviews/"))
    assert f'href="/dossiers/reviews/{task.campaign_id}/"' in listing and "0 / 1" in listing

    text = page(alice.get(response["Location"]))
    row = re.search(rf'<tr id="task-{task.pk}">(.*?)</tr>', text, re.S).group(1)
    assert "甲建国300" in row and "Never assisted" in row and "Spot check" in row
    assert_none_of(b.names, text)
    assert "甲建国300" not in page(alice.get(response["Location"], {"outcome": "keep"}))

    empty = alice.post(response["Location"], {"task": task.pk, "outcome": "keep", "evidence": ""})
    assert empty.status_code == 400
    assert "This field is required." in re.search(rf'<tr id="task-{task.pk}">(.*?)</tr>', page(empty), re.S).group(1)
    done = alice.post(response["Location"], {"task": task.pk, "outcome": "lift", "evidence": "收入已超过标准"})
    assert done.status_code == 302
    with schema_context(tenant_a.schema_name):
        assert Dossier.objects.get(pk=a.filed.pk).status == "lifted"
    assert "1 / 1" in page(alice.get("/dossiers/reviews/"))

    assert "No annual review yet." in page(client_for(tenant_b, persona("bob"), **EN).get("/dossiers/reviews/"))
    assert_absent_from(tenant_b, ReviewTask)
    with schema_context(tenant_b.schema_name):
        assert Dossier.objects.get(pk=b.filed.pk).status == "filed"  # A's lifting did not reach B
    bob = client_for(tenant_b, persona("bob"), **EN)
    assert_not_found(bob, f"/dossiers/reviews/{task.campaign_id}/")


# --------------------------------------------------------------------------------------- living standards
def test_living_standards_page(worlds, alice, amy, bob, tenant_a, tenant_b):
    from dossiers.models import Dossier

    year = timezone.localdate().year
    text = page(alice.get("/dossiers/living-standards/"))
    assert str(year) in text and "450.00" in text
    assert amy.post("/dossiers/living-standards/", {"year": year, "monthly_per_capita": "300"}).status_code == 404
    assert 'id="set-standard"' not in page(amy.get("/dossiers/living-standards/"))

    bad = alice.post("/dossiers/living-standards/", {"year": year, "monthly_per_capita": "0"})
    assert bad.status_code == 400
    response = alice.post("/dossiers/living-standards/", {"year": year, "monthly_per_capita": "300"}, follow=True)
    assert "3 dossiers changed tier." in page(response)  # 1200 / 3 = 400: deep → relative
    with schema_context(tenant_a.schema_name):
        assert set(Dossier.objects.values_list("tier", flat=True)) == {"relative"}
    # Tenant B's standard and tiers did not move.
    with schema_context(tenant_b.schema_name):
        assert set(Dossier.objects.values_list("tier", flat=True)) == {"deep"}
    assert "300.00" not in page(bob.get("/dossiers/living-standards/"))
