"""Dossiers: ID numbers, encryption, masking and audit, lifecycle, eligibility, assistance, annual review —
each data test with two tenants."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django_tenants.utils import schema_context

from core.pii import decrypt, mask_resident_id, parse_resident_id
from dossiers import services
from dossiers.models import Dossier, HouseholdMember, IdNumberView, ReviewTask
from tests.factories import file, filed, household, make_ids_foreign, resident_id
from tests.isolation import assert_absent_from, assert_only_in

VALID_IDS = [
    resident_id(),
    resident_id("510104", "19751231", 20),
    resident_id("110101", "20000229", 7),
    resident_id("511133", "19920715", 988),
    resident_id("440305", "19650303", 555),
]


# -------------------------------------------------------------------------------------------- ID numbers
def test_valid_numbers_are_accepted_with_derived_facts():
    for number in VALID_IDS:
        assert parse_resident_id(number).number == number
    parsed = parse_resident_id(resident_id(seq=123))
    assert (parsed.birth_date.isoformat(), parsed.sex) == ("1980-01-01", "M")
    assert parse_resident_id(resident_id(seq=124)).sex == "F"


def test_every_single_change_and_adjacent_swap_is_rejected():
    checked = 0
    for number in VALID_IDS:
        for position in range(18):
            for replacement in "0123456789X":
                if replacement == number[position]:
                    continue
                changed = number[:position] + replacement + number[position + 1 :]
                with pytest.raises(ValidationError):
                    parse_resident_id(changed)
                checked += 1
        for position in range(17):
            if number[position] == number[position + 1]:
                continue  # swapping equal characters changes nothing
            swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
            with pytest.raises(ValidationError):
                parse_resident_id(swapped)
            checked += 1
    assert checked > 900


def test_lowercase_x_and_legacy_numbers_policy():
    with_x = next(
        resident_id(seq=seq) for seq in range(1000) if resident_id(seq=seq).endswith("X")
    )  # a number whose check character is X
    assert parse_resident_id(with_x.lower()).number == with_x
    legacy = "511102800101123"  # 15 digits: 1980-01-01, sequence 123
    upgraded = parse_resident_id(legacy)
    assert upgraded.number == resident_id() and upgraded.upgraded_from_15
    for bad in ["51110219800230123X", "00000019800101123X", "511102" + "21000101" + "1234", "5111021980010112"]:
        with pytest.raises(ValidationError):
            parse_resident_id(bad)


def test_masking():
    assert mask_resident_id(resident_id()) == "511102********" + resident_id()[-4:]


# ------------------------------------------------------------------------------------------------- filing
def test_id_number_is_stored_encrypted(standards, tenant_a, tenant_b, persona):
    dossier = file(tenant_a, persona("alice"))
    number = resident_id()
    with schema_context(tenant_a.schema_name), connection.cursor() as cur:
        cur.execute("SELECT * FROM dossiers_householdmember WHERE dossier_id = %s", [dossier.pk])
        raw = repr(cur.fetchall())
        member = HouseholdMember.objects.get(dossier=dossier, relation="applicant")
    assert number not in raw and number[6:14] + number[14:17] not in raw
    assert member.id_masked == mask_resident_id(number)
    assert decrypt(member.id_number_encrypted, tenant_a.schema_name) == number
    with pytest.raises(ValueError):  # the row means nothing under tenant B's key
        decrypt(member.id_number_encrypted, tenant_b.schema_name)


def test_full_view_is_audited_once_per_view_and_only_for_permitted_roles(standards, tenant_a, tenant_b, persona):
    alice, amy = persona("alice"), persona("amy")
    dossier = file(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        member = HouseholdMember.objects.get(dossier=dossier, relation="applicant")
        assert services.reveal_id_number(alice, tenant_a, member.pk) == resident_id()
        services.reveal_id_number(alice, tenant_a, member.pk, channel="api")
        assert IdNumberView.objects.filter(member_id=member.pk).count() == 2
        with pytest.raises(Http404):
            services.reveal_id_number(amy, tenant_a, member.pk)  # station staff see it masked only
        assert IdNumberView.objects.filter(member_id=member.pk).count() == 2
        view = IdNumberView.objects.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            IdNumberView.objects.filter(pk=view.pk).update(viewer_username="someone else")
        with pytest.raises(IntegrityError), transaction.atomic():
            IdNumberView.objects.filter(pk=view.pk).delete()
    with schema_context(tenant_b.schema_name), pytest.raises(Http404):
        services.reveal_id_number(persona("bob"), tenant_b, member.pk)


def test_invalid_members_are_reported_by_field_and_nothing_is_saved(standards, tenant_a, tenant_b, persona):
    bad = household(**{"1": {"id_number": resident_id()[:-1] + "0" if not resident_id().endswith("0") else "1"}})
    with pytest.raises(ValidationError) as err:
        file(tenant_a, persona("alice"), members=bad)
    assert "members.1.id_number" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        file(tenant_a, persona("alice"), members=household(**{"2": {"health": "serious"}}))
    assert "members.2.health" in err.value.message_dict  # no consent recorded
    with schema_context(tenant_a.schema_name):
        assert not Dossier.objects.exists()
    assert_absent_from(tenant_b, Dossier)  # nor did anything land in the other tenant's schema
    assert_absent_from(tenant_b, HouseholdMember)


def test_consent_allows_sensitive_data(standards, tenant_a, tenant_b, persona):
    make_ids_foreign(tenant_a, tenant_b, Dossier)  # A's dossier id is none that B has
    with schema_context(tenant_a.schema_name):
        dossier = services.file_dossier(
            persona("alice"),
            tenant_a,
            data={"main_cause": "illness"},
            members=household(**{"0": {"health": "serious", "disability_grade": 2}}),
            consents=[
                {"category": "health", "given_by": "王建国", "evidence": "签字同意书 2026-01"},
                {"category": "disability", "given_by": "王建国", "evidence": "签字同意书 2026-01"},
            ],
        )
        assert dossier.members.get(relation="applicant").disability_grade == 2
    assert_only_in(tenant_a, tenant_b, HouseholdMember, disability_grade=2)
    with schema_context(tenant_b.schema_name), pytest.raises(Http404):  # B's admin cannot open A's dossier
        services.access_dossier(persona("bob"), tenant_b, dossier.pk)


# ---------------------------------------------------------------------------------------------- eligibility
def test_eligibility_tiers_and_recompute(standards, tenant_a, tenant_b, persona):
    alice = persona("alice")
    dossier = file(tenant_a, alice)  # 1200 / 3 = 400 ≤ 450
    assert (dossier.per_capita_income, dossier.tier) == (Decimal("400.00"), "deep")
    relative = file(tenant_a, alice, members=household(resident_id(seq=301), **{"0": {"monthly_income": "1500"}}))
    assert relative.tier == "relative"  # 1800 / 3 = 600 ≤ 675
    rich = file(tenant_a, alice, members=household(resident_id(seq=303), **{"0": {"monthly_income": "5000"}}))
    assert rich.tier == "none"
    accident = file(
        tenant_a,
        alice,
        members=household(resident_id(seq=305), **{"0": {"monthly_income": "5000"}}),
        main_cause="accident",
        accident_note="房屋火灾",
    )
    assert accident.tier == "accidental"
    with schema_context(tenant_a.schema_name):
        assert services.reason_texts(dossier)
        changed = services.set_living_standard(alice, tenant_a, year=2026, monthly_per_capita="350")
        dossier.refresh_from_db()
        assert dossier.tier == "relative" and changed >= 1
    with schema_context(tenant_b.schema_name):  # B's dossier follows B's standard, untouched by A's change
        other = services.file_dossier(persona("bob"), tenant_b, data={"main_cause": "illness"}, members=household())
        assert other.standard_amount == Decimal("600.00") and other.tier == "deep"


# ------------------------------------------------------------------------------------------------ lifecycle
def test_lifecycle_by_permitted_roles_only(standards, tenant_a, tenant_b, persona):
    alice, amy = persona("alice"), persona("amy")
    make_ids_foreign(tenant_a, tenant_b, Dossier)  # A's dossier id is none that B has
    dossier = file(tenant_a, amy)
    with schema_context(tenant_a.schema_name):
        services.transition(amy, tenant_a, dossier.pk, to_status="submitted", reason="材料齐全")
        with pytest.raises(PermissionDenied):
            services.transition(amy, tenant_a, dossier.pk, to_status="reviewed", reason="自审")
        with pytest.raises(ValidationError) as err:
            services.transition(alice, tenant_a, dossier.pk, to_status="filed", reason="跳过审核")
        assert "to_status" in err.value.message_dict
        services.transition(alice, tenant_a, dossier.pk, to_status="reviewed", reason="入户核实")
        services.transition(alice, tenant_a, dossier.pk, to_status="filed", reason="建档")
        with pytest.raises(ValidationError):
            services.update_dossier(amy, tenant_a, dossier.pk, data={"housing": "rented"})
        dossier.refresh_from_db()
        assert dossier.status == "filed" and dossier.reviewed_by == alice
        history = list(dossier.transitions.values_list("from_status", "to_status", "by__username"))
        assert history == [
            ("", "draft", "amy"),
            ("draft", "submitted", "amy"),
            ("submitted", "reviewed", "alice"),
            ("reviewed", "filed", "alice"),
        ]
    with schema_context(tenant_b.schema_name):  # B's administrator cannot move A's dossier, and B has no such row
        with pytest.raises(Http404):
            services.transition(persona("bob"), tenant_b, dossier.pk, to_status="lifted", reason="越界")
    assert_absent_from(tenant_b, Dossier, pk=dossier.pk)


# ----------------------------------------------------------------------------------------------- assistance
def test_assistance_books_the_ledger_in_the_same_transaction(standards, tenant_a, tenant_b, persona):
    from stations import services as stations
    from stations.models import FundEntry

    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        account = stations.open_account(alice, tenant_a, name="帮扶资金")
        stations.book_income(alice, tenant_a, account.pk, amount="1000", source="upper_union")
        help_ = services.record_assistance(
            alice, tenant_a, dossier.pk, kind="medical", amount="800", fund_account_id=account.pk, approver="主席"
        )
        assert help_.fund_entry.amount == Decimal("-800.00")
        with pytest.raises(ValidationError) as err:
            services.record_assistance(
                alice, tenant_a, dossier.pk, kind="living", amount="500", fund_account_id=account.pk, approver="主席"
            )
        assert "amount" in err.value.message_dict
        assert dossier.assistance.count() == 1 and FundEntry.objects.filter(kind="expenditure").count() == 1
        services.record_assistance(alice, tenant_a, dossier.pk, kind="employment", programme="技能培训")
        assert dossier.assistance.count() == 2
    from dossiers.models import Assistance

    assert_absent_from(tenant_b, Assistance)  # the assistance and its ledger entry are A's alone
    assert_absent_from(tenant_b, FundEntry)


# ---------------------------------------------------------------------------------------------- annual review
def test_annual_review_twice_creates_nothing_twice(standards, tenant_a, tenant_b, persona):
    alice = persona("alice")
    ids = [filed(tenant_a, alice, members=household(resident_id(seq=400 + 2 * i))).pk for i in range(10)]
    filed(tenant_b, persona("bob"))
    with schema_context(tenant_a.schema_name):
        campaign = services.start_annual_review(alice, tenant_a, year=2026)
        first = list(ReviewTask.objects.order_by("dossier_id").values_list("dossier_id", "in_sample"))
        again = services.start_annual_review(alice, tenant_a, year=2026)
        assert again.pk == campaign.pk
        assert list(ReviewTask.objects.order_by("dossier_id").values_list("dossier_id", "in_sample")) == first
        assert [d for d, _s in first] == sorted(ids)
        assert sum(s for _d, s in first) == 3  # ceil(30 % of 10)
        assert all(t.never_assisted for t in ReviewTask.objects.all())
        progress = services.review_progress(campaign)
        assert (progress["total"], progress["decided"]) == (10, 0)
        task = ReviewTask.objects.first()
        with pytest.raises(ValidationError):
            services.decide_review(alice, tenant_a, task.pk, outcome="keep", evidence="")
        services.decide_review(alice, tenant_a, task.pk, outcome="lift", evidence="家庭收入已超过标准")
        assert Dossier.objects.get(pk=task.dossier_id).status == "lifted"
        assert services.review_progress(campaign)["decided"] == 1
    with schema_context(tenant_b.schema_name):
        assert not ReviewTask.objects.exists()


def test_dossier_metrics_are_aggregates(standards, tenant_a, tenant_b, persona):
    from core.plugins import metrics_for

    filed(tenant_a, persona("alice"))
    with schema_context(tenant_a.schema_name):
        figures = {m.name: list(m.compute(tenant_a, None)) for m in metrics_for(tenant_a)}
    assert figures["dossiers.count"] == [({"status": "filed", "tier": "deep", "cause": "illness", "unit": None}, 1)]
    assert "王建国" not in repr(figures) and resident_id() not in repr(figures)
    with schema_context(tenant_b.schema_name):
        assert [m.compute(tenant_b, None) for m in metrics_for(tenant_b) if m.name == "dossiers.count"] == [[]]
