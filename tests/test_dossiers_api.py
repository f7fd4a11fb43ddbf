"""The dossier API (/api/dossiers/, /api/dossier-members/, /api/living-standards/, /api/review-campaigns/,
/api/review-tasks/): every data test has two tenants and tenant B's rows never show on A. No response carries a
full resident ID number except the audited reveal endpoint."""

import json
import math
from datetime import date

import pytest
from django_tenants.utils import schema_context

from dossiers import services
from dossiers.models import (
    Assistance,
    Dossier,
    DossierTransition,
    HouseholdMember,
    IdNumberView,
    LivingStandard,
    ReviewCampaign,
    ReviewTask,
)
from stations import services as stations
from stations.models import FundAccount, FundEntry
from tests.factories import add_member, file, filed, household, make_ids_foreign, resident_id

YEAR = 2026


ALL_IDS = [resident_id(), resident_id(seq=124), resident_id(born="20100101", seq=11)]


def assert_no_id_number(response, numbers=ALL_IDS):
    """Neither the number nor its middle digits (birth date and sequence) appear in the body."""
    text = response.content.decode()
    for number in numbers:
        for part in (number, number[6:14], number[6:17], number[10:17]):
            assert part not in text, f"{part} leaked into {response.request['PATH_INFO']}"


@pytest.fixture
def world(tenant_a, tenant_b, persona):
    """Standards on both tenants (A: 450, B: 600), a draft dossier on each with the same applicant, and ids on B
    that A does not have."""
    make_ids_foreign(
        tenant_b, tenant_a, Dossier, HouseholdMember, LivingStandard, ReviewCampaign, ReviewTask, Assistance,
        FundAccount, FundEntry, DossierTransition,
    )  # fmt: skip
    alice, bob = persona("alice"), persona("bob")
    with schema_context(tenant_a.schema_name):
        services.set_living_standard(alice, tenant_a, year=YEAR, monthly_per_capita="450")
    with schema_context(tenant_b.schema_name):
        services.set_living_standard(bob, tenant_b, year=YEAR, monthly_per_capita="600")
    a_dossier = file(tenant_a, alice)
    b_dossier = file(tenant_b, bob)
    with schema_context(tenant_b.schema_name):
        b_member = HouseholdMember.objects.get(dossier=b_dossier, relation="applicant")
    return {"a": a_dossier, "b": b_dossier, "b_member": b_member}


def new_dossier_body(members=None, **data):
    return {"main_cause": "illness", "members": members or household(), **data}


# ------------------------------------------------------------------------------------- no full ID number
def test_no_response_carries_a_full_id_number(world, tenant_a, tenant_b, persona, api_for):
    alice, amy, bob = persona("alice"), persona("amy"), persona("bob")
    reviewer, viewer = add_member(tenant_a, "rita", "reviewer"), add_member(tenant_a, "vic", "viewer")
    api = api_for(tenant_a, alice)
    created = api.post(
        "/api/dossiers/",
        new_dossier_body(
            household(resident_id(seq=201), **{"0": {"health": "chronic"}}),
            bank_name="农业银行",
            bank_account="6228 4800 1234 5678",
            consents=[{"category": "health", "given_by": "王建国", "evidence": "签字同意书"}],
        ),
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert_no_id_number(created, [resident_id(seq=201), *ALL_IDS[1:]])
    assert "6228480012345678" not in created.content.decode() and body["bank_account_last4"] == "5678"
    applicant = next(m for m in body["members"] if m["relation"] == "applicant")
    assert applicant["id_masked"] == "511102********" + resident_id(seq=201)[-4:]
    # The birth date would complete the masked number: only the age is shown.
    assert "birth_date" not in applicant
    assert (applicant["age"], applicant["sex"], applicant["health"]) == (
        HouseholdMember(birth_date=date(1980, 1, 1)).age,
        "M",
        "chronic",
    )
    assert body["applicant_id_masked"] == applicant["id_masked"] and "id_number" not in applicant
    assert body["eligibility"]["tier"] == "deep" and body["eligibility"]["per_capita_income"] == "400.00"
    assert body["eligibility"]["standard_amount"] == "450.00" and body["eligibility"]["reasons"]
    assert [c["category"] for c in body["consents"]] == ["health"]
    assert [(t["from_status"], t["to_status"]) for t in body["transitions"]] == [("", "draft")]
    numbers = [resident_id(), resident_id(seq=201), *ALL_IDS[1:]]
    for user in (alice, amy, reviewer, viewer):
        client = api_for(tenant_a, user)
        for path in ("/api/dossiers/", f"/api/dossiers/{body['id']}/", f"/api/dossiers/{world['a'].pk}/"):
            response = client.get(path)
            assert response.status_code == 200
            assert_no_id_number(response, numbers)
        found = client.post("/api/dossiers/lookup/", {"id_number": resident_id()}, format="json")
        assert found.status_code == 200 and [d["id"] for d in found.json()] == [world["a"].pk]
        assert_no_id_number(found, numbers)
    # Tenant B's dossier is neither listed nor reachable on A, and A's are not on B.
    listed = api.get("/api/dossiers/").json()
    assert {d["id"] for d in listed["results"]} == {world["a"].pk, body["id"]} and listed["count"] == 2
    assert api.get(f"/api/dossiers/{world['b'].pk}/").status_code == 404
    on_b = api_for(tenant_b, bob)
    assert [d["id"] for d in on_b.get("/api/dossiers/").json()["results"]] == [world["b"].pk]
    assert on_b.get(f"/api/dossiers/{body['id']}/").status_code == 404
    assert_no_id_number(on_b.get(f"/api/dossiers/{world['b'].pk}/"))


def test_list_filters_and_pagination(world, tenant_a, tenant_b, persona, api_for):
    alice = persona("alice")
    rich = file(tenant_a, alice, members=household(resident_id(seq=303), **{"0": {"monthly_income": "5000"}}))
    submitted = file(tenant_a, alice, members=household(resident_id(seq=305)))
    with schema_context(tenant_a.schema_name):
        services.transition(alice, tenant_a, submitted.pk, to_status="submitted", reason="材料齐全")
    api = api_for(tenant_a, alice)
    ids = lambda query: {d["id"] for d in api.get(f"/api/dossiers/{query}").json()["results"]}  # noqa: E731
    assert ids("?tier=none") == {rich.pk}
    assert ids("?tier=deep") == {world["a"].pk, submitted.pk}
    assert ids("?status=submitted") == {submitted.pk}
    assert ids("?main_cause=illness") == {world["a"].pk, rich.pk, submitted.pk}
    page = api.get("/api/dossiers/?page_size=2&ordering=created_at").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert page["results"][0]["per_capita_income"] == "400.00"
    assert api.get("/api/dossiers/?status=nonsense").status_code == 400
    assert {d["id"] for d in api_for(tenant_b, persona("bob")).get("/api/dossiers/").json()["results"]} == {
        world["b"].pk
    }


# ------------------------------------------------------------------------------------------------- reveal
def test_reveal_is_audited_once_per_view_and_404_for_roles_without_the_permission(
    world, tenant_a, tenant_b, persona, api_for
):
    alice, amy = persona("alice"), persona("amy")
    reviewer, viewer = add_member(tenant_a, "rita", "reviewer"), add_member(tenant_a, "vic", "viewer")
    with schema_context(tenant_a.schema_name):
        member = HouseholdMember.objects.get(dossier=world["a"], relation="applicant")
    path = f"/api/dossier-members/{member.pk}/reveal-id/"

    def views():
        with schema_context(tenant_a.schema_name):
            return list(IdNumberView.objects.filter(member_id=member.pk).values_list("viewer_username", "channel"))

    response = api_for(tenant_a, alice).post(path)
    assert response.status_code == 200 and response.json() == {"id_number": resident_id()}
    assert "no-store" in response["Cache-Control"]
    assert views() == [("alice", "api")]
    assert api_for(tenant_a, reviewer).post(path).json()["id_number"] == resident_id()
    assert sorted(views()) == [("alice", "api"), ("rita", "api")]
    for user in (amy, viewer):  # masked-only roles: the same answer as for a member that does not exist
        refused = api_for(tenant_a, user).post(path)
        assert refused.status_code == 404
        assert_no_id_number(refused)
    assert api_for(tenant_a, alice).get(path).status_code == 405
    assert len(views()) == 2
    # Other tenant: B's member is unknown on A, A's member unknown on B; nothing audited anywhere.
    assert api_for(tenant_a, alice).post(f"/api/dossier-members/{world['b_member'].pk}/reveal-id/").status_code == 404
    assert api_for(tenant_b, persona("bob")).post(path).status_code == 404
    assert api_for(tenant_b, alice).post(f"/api/dossier-members/{world['b_member'].pk}/reveal-id/").status_code in (
        401,
        403,
    )
    with schema_context(tenant_b.schema_name):
        assert not IdNumberView.objects.exists()
    assert len(views()) == 2


# ---------------------------------------------------------------------------------------------- lifecycle
def test_transitions_by_permitted_roles_only(world, tenant_a, tenant_b, persona, api_for):
    alice, amy = persona("alice"), persona("amy")
    viewer = add_member(tenant_a, "vic", "viewer")
    pk = world["a"].pk
    path = f"/api/dossiers/{pk}/transition/"

    def state():
        with schema_context(tenant_a.schema_name):
            return Dossier.objects.get(pk=pk).status, DossierTransition.objects.filter(dossier_id=pk).count()

    submitted = api_for(tenant_a, amy).post(path, {"to_status": "submitted", "reason": "材料齐全"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert state() == ("submitted", 2)
    for user in (amy, viewer):  # station staff and viewers may not review
        refused = api_for(tenant_a, user).post(path, {"to_status": "reviewed", "reason": "自审"}, format="json")
        assert refused.status_code == 403 and refused.json()["errors"][0]["field"] is None
    assert state() == ("submitted", 2)
    skipped = api_for(tenant_a, alice).post(path, {"to_status": "filed", "reason": "跳过审核"}, format="json")
    assert skipped.status_code == 400 and [e["field"] for e in skipped.json()["errors"]] == ["to_status"]
    unknown = api_for(tenant_a, alice).post(path, {"to_status": "flying", "reason": "x"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "to_status"
    no_reason = api_for(tenant_a, alice).post(path, {"to_status": "reviewed", "reason": " "}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert state() == ("submitted", 2)
    reviewed = api_for(tenant_a, alice).post(path, {"to_status": "reviewed", "reason": "入户核实"}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_by_username"] == "alice"
    history = [(t["from_status"], t["to_status"], t["by_username"]) for t in reviewed.json()["transitions"]]
    assert history == [("", "draft", "alice"), ("draft", "submitted", "amy"), ("submitted", "reviewed", "alice")]
    # Tenant B's dossier cannot be moved from A, and A's not from B.
    b_path = f"/api/dossiers/{world['b'].pk}/transition/"
    assert api_for(tenant_a, alice).post(b_path, {"to_status": "submitted", "reason": "x"}).status_code == 404
    assert api_for(tenant_b, persona("bob")).post(path, {"to_status": "filed", "reason": "x"}).status_code == 404
    with schema_context(tenant_b.schema_name):
        assert Dossier.objects.get(pk=world["b"].pk).status == "draft"
    assert state() == ("reviewed", 3)


def test_partial_update_changes_drafts_only(world, tenant_a, tenant_b, persona, api_for):
    alice, amy = persona("alice"), persona("amy")
    viewer = add_member(tenant_a, "vic", "viewer")
    path = f"/api/dossiers/{world['a'].pk}/"
    api = api_for(tenant_a, amy)
    changed = api.patch(path, {"housing": "rented", "bank_account": "6228480012349999"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["housing"], changed.json()["bank_account_last4"]) == ("rented", "9999")
    assert changed.json()["main_cause"] == "illness" and len(changed.json()["members"]) == 3
    smaller = household()[:2]
    replaced = api.patch(path, {"members": smaller}, format="json")
    assert replaced.status_code == 200 and replaced.json()["household_size"] == 2
    assert replaced.json()["eligibility"]["per_capita_income"] == "600.00"  # 1200 / 2 > 450: relative
    assert replaced.json()["tier"] == "relative"
    assert_no_id_number(replaced)
    assert api_for(tenant_a, viewer).patch(path, {"housing": "own"}, format="json").status_code == 403
    api.post(f"{path}transition/", {"to_status": "submitted", "reason": "ok"}, format="json")
    locked = api_for(tenant_a, alice).patch(path, {"housing": "own"}, format="json")
    assert locked.status_code == 400 and locked.json()["errors"][0]["field"] == "status"
    assert api.patch(f"/api/dossiers/{world['b'].pk}/", {"housing": "own"}, format="json").status_code == 404
    with schema_context(tenant_b.schema_name):
        assert Dossier.objects.get(pk=world["b"].pk).housing == "own"


# ------------------------------------------------------------------------------------------------- input
def test_bad_members_and_sensitive_data_without_consent_are_400_by_field(world, tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("amy"))
    good = resident_id(seq=501)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api.post("/api/dossiers/", new_dossier_body(household(**{"1": {"id_number": bad}})), format="json")
    assert response.status_code == 400
    assert "members.1.id_number" in {e["field"] for e in response.json()["errors"]}
    assert bad not in response.content.decode()
    short = api.post("/api/dossiers/", new_dossier_body(household(**{"2": {"id_number": "5111"}})), format="json")
    assert short.status_code == 400 and short.json()["errors"][0]["field"] == "members.2.id_number"
    shape = api.post("/api/dossiers/", new_dossier_body(household(**{"1": {"relation": "cousin"}})), format="json")
    assert shape.status_code == 400 and shape.json()["errors"][0]["field"] == "members.1.relation"
    health = api.post("/api/dossiers/", new_dossier_body(household(**{"2": {"health": "serious"}})), format="json")
    assert health.status_code == 400 and [e["field"] for e in health.json()["errors"]] == ["members.2.health"]
    disability = api.post(
        "/api/dossiers/",
        new_dossier_body(
            household(**{"0": {"disability_grade": 2}}),
            consents=[{"category": "health", "given_by": "王建国", "evidence": "同意书"}],
        ),
        format="json",
    )
    assert disability.status_code == 400
    assert [e["field"] for e in disability.json()["errors"]] == ["members.0.disability_grade"]
    duplicate = api.post(
        "/api/dossiers/", new_dossier_body(household(**{"1": {"id_number": resident_id()}})), format="json"
    )
    assert duplicate.status_code == 400 and duplicate.json()["errors"][0]["field"] == "members.1.id_number"
    with schema_context(tenant_a.schema_name):
        assert list(Dossier.objects.values_list("pk", flat=True)) == [world["a"].pk]
    # B's units and stations cannot be chosen on A (B's ids are unknown there).
    from core.people.models import Unit

    with schema_context(tenant_b.schema_name):
        b_unit = stations.save_unit(persona("bob"), tenant_b, {"kind": "union", "name": "乙县总工会"})
    with schema_context(tenant_a.schema_name):
        assert not Unit.objects.filter(pk=b_unit.pk).exists()
    foreign = api.post("/api/dossiers/", new_dossier_body(employer=b_unit.pk), format="json")
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "employer"
    with schema_context(tenant_b.schema_name):
        assert list(Dossier.objects.values_list("pk", flat=True)) == [world["b"].pk]


# ------------------------------------------------------------------------------------------------- lookup
def test_lookup_by_id_number_travels_in_the_body(world, tenant_a, tenant_b, persona, api_for):
    alice = persona("alice")
    other = file(tenant_a, alice, members=household(resident_id(seq=601)))
    api = api_for(tenant_a, alice)
    found = api.post("/api/dossiers/lookup/", {"id_number": resident_id()}, format="json")
    assert found.status_code == 200 and [d["id"] for d in found.json()] == [world["a"].pk]  # not B's
    spouse = api.post("/api/dossiers/lookup/", {"id_number": resident_id(seq=124)}, format="json")
    assert {d["id"] for d in spouse.json()} == {world["a"].pk, other.pk}  # the spouse is in both households
    assert_no_id_number(spouse, [*ALL_IDS, resident_id(seq=601)])
    legacy = api.post("/api/dossiers/lookup/", {"id_number": "511102800101123"}, format="json")  # 15 digits
    assert [d["id"] for d in legacy.json()] == [world["a"].pk]
    invalid = api.post("/api/dossiers/lookup/", {"id_number": "511102198001011230"}, format="json")
    assert invalid.status_code == 400 and invalid.json()["errors"][0]["field"] == "id_number"
    assert api.get(f"/api/dossiers/lookup/?id_number={resident_id()}").status_code == 405
    on_b = api_for(tenant_b, persona("bob")).post("/api/dossiers/lookup/", {"id_number": resident_id()})
    assert [d["id"] for d in on_b.json()] == [world["b"].pk]
    nobody = api.post("/api/dossiers/lookup/", {"id_number": resident_id(seq=999)}, format="json")
    assert nobody.status_code == 200 and nobody.json() == []


# --------------------------------------------------------------------------------------------- assistance
def test_assistance_paid_from_a_fund_shows_the_ledger_entry(world, tenant_a, tenant_b, persona, api_for):
    alice, amy, bob = persona("alice"), persona("amy"), persona("bob")
    dossier = filed(tenant_a, alice, members=household(resident_id(seq=701)))
    with schema_context(tenant_a.schema_name):
        account = stations.open_account(alice, tenant_a, name="帮扶资金")
        stations.book_income(alice, tenant_a, account.pk, amount="1000", source="upper_union")
    with schema_context(tenant_b.schema_name):
        b_account = stations.open_account(bob, tenant_b, name="乙县帮扶资金")
        stations.book_income(bob, tenant_b, b_account.pk, amount="1000", source="upper_union")
    path = f"/api/dossiers/{dossier.pk}/assistance/"
    api = api_for(tenant_a, amy)
    paid = api.post(
        path,
        {"kind": "medical", "amount": "800.00", "fund_account": account.pk, "approver": "主席", "programme": "救助"},
        format="json",
    )
    assert paid.status_code == 201, paid.json()
    body = paid.json()
    assert body["amount"] == "800.00" and body["fund_account"] == account.pk
    entry = body["fund_entry"]
    assert (entry["kind"], entry["amount"], entry["balance_after"]) == ("expenditure", "-800.00", "200.00")
    assert str(dossier.pk) in entry["purpose"] and entry["approver"] == "主席"
    ledger = api_for(tenant_a, alice).get(f"/api/fund-accounts/{account.pk}/entries/").json()["results"]
    assert [e["id"] for e in ledger if e["kind"] == "expenditure"] == [entry["id"]]
    over = api.post(path, {"kind": "living", "amount": "500", "fund_account": account.pk, "approver": "主席"})
    assert over.status_code == 400 and over.json()["errors"][0]["field"] == "amount"
    no_approver = api.post(path, {"kind": "living", "amount": "50", "fund_account": account.pk}, format="json")
    assert no_approver.status_code == 400 and no_approver.json()["errors"][0]["field"] == "approver"
    foreign = api.post(path, {"kind": "living", "amount": "50", "fund_account": b_account.pk, "approver": "主席"})
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "fund_account"
    in_kind = api.post(path, {"kind": "employment", "programme": "技能培训"}, format="json")
    assert in_kind.status_code == 201 and in_kind.json()["amount"] == "0.00" and in_kind.json()["fund_entry"] is None
    listed = api.get(path).json()
    assert listed["count"] == 2 and {a["id"] for a in listed["results"]} == {body["id"], in_kind.json()["id"]}
    detail = api.get(f"/api/dossiers/{dossier.pk}/").json()
    assert {a["id"] for a in detail["assistance"]} == {body["id"], in_kind.json()["id"]}
    draft = api.post(f"/api/dossiers/{world['a'].pk}/assistance/", {"kind": "living"}, format="json")
    assert draft.status_code == 400 and draft.json()["errors"][0]["field"] == "dossier"
    viewer = add_member(tenant_a, "vic", "viewer")
    assert api_for(tenant_a, viewer).post(path, {"kind": "living"}, format="json").status_code == 403
    with schema_context(tenant_a.schema_name):
        assert FundAccount.objects.get(pk=account.pk).balance == 200
        assert Assistance.objects.count() == 2
    # B's ledger is untouched; A's dossier is unknown on B and B's on A.
    with schema_context(tenant_b.schema_name):
        assert FundAccount.objects.get(pk=b_account.pk).balance == 1000 and not Assistance.objects.exists()
    assert api_for(tenant_b, bob).get(path).status_code == 404
    assert api.get(f"/api/dossiers/{world['b'].pk}/assistance/").status_code == 404


# ---------------------------------------------------------------------------------------- living standard
def test_living_standard_recomputes_tiers_on_its_own_tenant(world, tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    assert [(s["year"], s["monthly_per_capita"]) for s in api.get("/api/living-standards/").json()["results"]] == [
        (YEAR, "450.00")
    ]
    lowered = api.post("/api/living-standards/", {"year": YEAR, "monthly_per_capita": "350.00"}, format="json")
    assert lowered.status_code == 200, lowered.json()
    assert lowered.json()["changed_tiers"] == 1 and lowered.json()["monthly_per_capita"] == "350.00"
    assert api.get(f"/api/dossiers/{world['a'].pk}/").json()["tier"] == "relative"  # 400 ≤ 1.5 × 350
    bad = api.post("/api/living-standards/", {"year": YEAR, "monthly_per_capita": "0"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "monthly_per_capita"
    amy = api_for(tenant_a, persona("amy"))
    assert amy.post("/api/living-standards/", {"year": YEAR, "monthly_per_capita": "1"}).status_code == 403
    assert len(amy.get("/api/living-standards/").json()["results"]) == 1
    on_b = api_for(tenant_b, persona("bob"))
    assert [s["monthly_per_capita"] for s in on_b.get("/api/living-standards/").json()["results"]] == ["600.00"]
    assert on_b.get(f"/api/dossiers/{world['b'].pk}/").json()["tier"] == "deep"


# ------------------------------------------------------------------------------------------ annual review
def test_review_campaign_twice_is_one_campaign_with_the_same_tasks(world, tenant_a, tenant_b, persona, api_for):
    alice, amy = persona("alice"), persona("amy")
    reviewer = add_member(tenant_a, "rita", "reviewer")
    ids = [filed(tenant_a, alice, members=household(resident_id(seq=400 + 2 * i))).pk for i in range(7)]
    filed(tenant_b, persona("bob"), members=household(resident_id(seq=800)))
    api = api_for(tenant_a, alice)
    first = api.post("/api/review-campaigns/", {"year": YEAR}, format="json")
    assert first.status_code == 201, first.json()
    campaign = first.json()
    assert campaign["sample_share"] == "30.00" and campaign["progress"]["total"] == 7
    tasks_path = f"/api/review-campaigns/{campaign['id']}/tasks/"
    before = sorted((t["dossier"], t["in_sample"]) for t in api.get(tasks_path).json()["results"])
    again = api.post("/api/review-campaigns/", {"year": YEAR, "sample_share": "50"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == campaign["id"]
    assert again.json()["sample_share"] == "30.00" and again.json()["progress"]["total"] == 7
    with schema_context(tenant_a.schema_name):
        assert ReviewCampaign.objects.count() == 1 and ReviewTask.objects.count() == 7
    assert sorted((t["dossier"], t["in_sample"]) for t in api.get(tasks_path).json()["results"]) == before
    assert [d for d, _s in before] == sorted(ids)
    assert api.get(f"{tasks_path}?in_sample=true").json()["count"] == math.ceil(7 * 0.3)
    assert api.get(f"{tasks_path}?never_assisted=true").json()["count"] == 7
    assert api.get(f"{tasks_path}?unchanged_for_a_year=true").json()["count"] == 0
    assert [c["id"] for c in api.get("/api/review-campaigns/").json()["results"]] == [campaign["id"]]
    assert api_for(tenant_a, amy).post("/api/review-campaigns/", {"year": YEAR}).status_code == 403
    low = api.post("/api/review-campaigns/", {"year": YEAR + 1, "sample_share": "10"}, format="json")
    assert low.status_code == 400 and low.json()["errors"][0]["field"] == "sample_share"

    task = api.get(tasks_path).json()["results"][0]
    decide = f"/api/review-tasks/{task['id']}/decide/"
    assert api_for(tenant_a, amy).post(decide, {"outcome": "keep", "evidence": "x"}).status_code == 403
    no_evidence = api_for(tenant_a, reviewer).post(decide, {"outcome": "keep", "evidence": ""}, format="json")
    assert no_evidence.status_code == 400 and no_evidence.json()["errors"][0]["field"] == "evidence"
    lifted = api_for(tenant_a, reviewer).post(decide, {"outcome": "lift", "evidence": "收入已超过标准"}, format="json")
    assert lifted.status_code == 200, lifted.json()
    assert (lifted.json()["outcome"], lifted.json()["dossier_status"]) == ("lift", "lifted")
    assert lifted.json()["decided_by_username"] == "rita"
    twice = api.post(decide, {"outcome": "keep", "evidence": "再次"}, format="json")
    assert twice.status_code == 400 and twice.json()["errors"][0]["field"] == "outcome"
    progress = api.get(f"/api/review-campaigns/{campaign['id']}/").json()["progress"]
    assert (progress["total"], progress["decided"], progress["percent"]) == (7, 1, 14)
    assert api.get(f"{tasks_path}?decided=true").json()["count"] == 1
    assert api.get(f"{tasks_path}?outcome=lift").json()["count"] == 1
    # Tenant B: no campaign; A's campaign and task ids are unknown there.
    on_b = api_for(tenant_b, persona("bob"))
    assert on_b.get("/api/review-campaigns/").json()["results"] == []
    assert on_b.get(f"/api/review-campaigns/{campaign['id']}/").status_code == 404
    assert on_b.get(tasks_path).status_code == 404
    assert on_b.post(decide, {"outcome": "keep", "evidence": "x"}).status_code == 404
    with schema_context(tenant_b.schema_name):
        assert not ReviewCampaign.objects.exists()


# -------------------------------------------------------------------------------------------------- schema
def test_schema_lists_the_dossier_api(tenant_a, persona, api_for):
    schema = api_for(tenant_a, persona("alice")).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in (
        "/api/dossiers/",
        "/api/dossiers/{id}/",
        "/api/dossiers/{id}/transition/",
        "/api/dossiers/{id}/assistance/",
        "/api/dossiers/lookup/",
        "/api/dossier-members/{id}/reveal-id/",
        "/api/living-standards/",
        "/api/review-campaigns/",
        "/api/review-campaigns/{id}/tasks/",
        "/api/review-tasks/{id}/decide/",
    ):
        assert path in paths
    assert "get" not in paths["/api/dossiers/lookup/"]
    member_input = json.loads(schema.content)["components"]["schemas"]["MemberInputRequest"]["properties"]
    assert member_input["id_number"]["writeOnly"] is True
