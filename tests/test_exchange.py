"""Between unions: duplicates found by keyed hashes only, referrals to the parent, transfers of dossiers."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django_tenants.utils import schema_context

from core.pii import decrypt
from dossiers import services as dossiers
from dossiers.models import Consent, Dossier, DossierTransition, HouseholdMember, IdNumberView
from exchange import services
from exchange.models import PersonIndex, Referral, Transfer
from tests.factories import filed, household, resident_id


# ------------------------------------------------------------------------------------------------ duplicates
def test_duplicate_flagged_without_the_filing_tenant_learning_where(standards, tenant_a, tenant_b, municipal, persona):
    in_a = filed(tenant_a, persona("alice"))
    only_b = household(
        resident_id(seq=501),
        **{"1": {"id_number": resident_id(seq=503)}, "2": {"id_number": resident_id(born="20120101", seq=5)}},
    )
    clean = filed(tenant_b, persona("bob"), members=only_b)
    assert services.duplicate_count(tenant_b, clean.pk) == 0
    # B files a household whose spouse is A's applicant.
    shared = household(
        resident_id(seq=601),
        **{"1": {"id_number": resident_id()}, "2": {"id_number": resident_id(born="20120101", seq=7)}},
    )
    in_b = filed(tenant_b, persona("bob"), members=shared)
    assert services.duplicate_count(tenant_b, in_b.pk) == 1
    assert services.duplicate_count(tenant_a, in_a.pk) == 1
    # What B can learn is a count; the index holds hashes only.
    assert all(len(h) == 64 and resident_id() not in h for h in PersonIndex.objects.values_list("id_hash", flat=True))
    where = services.duplicates_across_tenants(persona("mayor"), municipal)
    assert where == [{"tenant": tenant_a.name, "other_tenant": tenant_b.name, "dossiers": 1}]  # a's pk is lower
    with pytest.raises(Http404):
        services.duplicates_across_tenants(persona("bob"), tenant_b)  # a county cannot ask where
    with schema_context(tenant_a.schema_name):
        dossiers.transition(persona("alice"), tenant_a, in_a.pk, to_status="lifted", reason="已脱困")
    assert services.duplicate_count(tenant_b, in_b.pk) == 0  # a lifted dossier is no longer live


# ------------------------------------------------------------------------------------------------- referrals
def test_referral_accepted_and_declined_by_the_parent(standards, tenant_a, tenant_b, municipal, persona):
    alice, mayor = persona("alice"), persona("mayor")
    without_consent = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name), pytest.raises(ValidationError) as err:
        services.escalate_to_parent(alice, tenant_a, without_consent.pk, request="大病救助")
    assert "consent" in err.value.message_dict
    first = filed(tenant_a, alice, members=household(resident_id(seq=701)), consent=True)
    second = filed(tenant_a, alice, members=household(resident_id(seq=703)), consent=True)
    with schema_context(tenant_a.schema_name):
        one = services.escalate_to_parent(alice, tenant_a, first.pk, request="申请市级大病救助")
        two = services.escalate_to_parent(alice, tenant_a, second.pk, request="申请市级生活救助")
        with pytest.raises(ValidationError):
            services.escalate_to_parent(alice, tenant_a, first.pk, request="again")  # already waiting
    assert one.to_tenant == municipal
    payload = json.dumps(one.summary, ensure_ascii=False)
    assert resident_id(seq=701) not in payload and "bank" not in payload
    assert "id_masked" not in one.summary and "applicant" not in one.summary  # the city gets no identity (D-MU1)
    # The municipal union decides; county B and the county itself cannot.
    assert [r.pk for r in services.referrals_received(mayor, municipal)] == [two.pk, one.pk]
    with pytest.raises(Http404):
        services.decide_referral(persona("bob"), tenant_b, one.pk, status="accepted")
    with pytest.raises(Http404):
        services.decide_referral(alice, tenant_a, one.pk, status="accepted")
    services.decide_referral(mayor, municipal, one.pk, status="accepted")
    with pytest.raises(ValidationError) as err:
        services.decide_referral(mayor, municipal, two.pk, status="declined")
    assert "reason" in err.value.message_dict
    services.decide_referral(mayor, municipal, two.pk, status="declined", reason="不符合市级救助条件，请县级先行救助")
    # Both sides see the state.
    sent = {r.from_dossier_id: (r.status, r.decision_reason) for r in services.referrals_sent(alice, tenant_a)}
    assert sent[first.pk] == ("accepted", "") and sent[second.pk][0] == "declined"
    assert not services.referrals_sent(persona("bob"), tenant_b).exists()


# ------------------------------------------------------------------------------------------------- transfers
def test_transfer_moves_the_dossier_with_its_history(standards, tenant_a, tenant_b, persona):
    alice = persona("alice")
    dossier = filed(tenant_a, alice, consent=True)
    with schema_context(tenant_a.schema_name):
        member = HouseholdMember.objects.get(dossier=dossier, relation="applicant")
        dossiers.reveal_id_number(alice, tenant_a, member.pk)
        with pytest.raises(ValidationError):
            services.transfer_dossier(alice, tenant_a, dossier.pk, to_tenant=tenant_b, reason="")
        transfer = services.transfer_dossier(alice, tenant_a, dossier.pk, to_tenant=tenant_b, reason="职工调往乙县工作")
        assert not Dossier.objects.filter(pk=dossier.pk).exists()
        assert IdNumberView.objects.filter(dossier_id=dossier.pk).count() == 1  # the sender's audit stays
    assert Transfer.objects.get(pk=transfer.pk).from_dossier_id == dossier.pk
    with schema_context(tenant_b.schema_name):
        moved = Dossier.objects.get(pk=transfer.to_dossier_id)
        assert moved.status == "filed" and moved.members.count() == 3
        applicant = moved.members.get(relation="applicant")
        assert decrypt(applicant.id_number_encrypted, tenant_b.schema_name) == resident_id()
        assert list(moved.transitions.values_list("to_status", flat=True))[:4] == [
            "draft",
            "submitted",
            "reviewed",
            "filed",
        ]
        assert DossierTransition.objects.filter(dossier=moved, reason__contains="职工调往乙县工作").exists()
        assert Consent.objects.filter(dossier=moved, category="referral").exists()
        assert dossiers.reveal_id_number(persona("bob"), tenant_b, applicant.pk) == resident_id()
    assert set(PersonIndex.objects.filter(dossier_id=transfer.to_dossier_id).values_list("tenant_id", flat=True)) == {
        tenant_b.pk
    }
    assert not Referral.objects.exists()


def test_exchange_through_the_api(standards, tenant_a, tenant_b, municipal, persona, api_for):
    alice, mayor = persona("alice"), persona("mayor")
    dossier = filed(tenant_a, alice, consent=True)
    api_a = api_for(tenant_a, alice)
    assert api_a.post(f"/api/dossiers/{dossier.pk}/escalate/", {"request": ""}).status_code == 400
    sent = api_a.post(f"/api/dossiers/{dossier.pk}/escalate/", {"request": "申请市级救助"})
    assert sent.status_code == 201 and sent.json()["status"] == "waiting"
    assert resident_id() not in sent.content.decode()
    api_m = api_for(municipal, mayor)
    inbox = api_m.get("/api/referrals/received/").json()["results"]
    assert [row["id"] for row in inbox] == [sent.json()["id"]]
    assert api_for(tenant_b, persona("bob")).get("/api/referrals/received/").json()["results"] == []
    declined = api_m.post(f"/api/referrals/{inbox[0]['id']}/decide/", {"status": "declined"})
    assert declined.status_code == 400 and declined.json()["errors"][0]["field"] == "reason"
    api_m.post(f"/api/referrals/{inbox[0]['id']}/decide/", {"status": "declined", "reason": "请县级先行救助"})
    assert api_a.get("/api/referrals/sent/").json()["results"][0]["status"] == "declined"
    assert api_a.get(f"/api/dossiers/{dossier.pk}/duplicates/").json() == {"duplicates": 0}
    assert api_for(tenant_b, persona("bob")).get(f"/api/dossiers/{dossier.pk}/duplicates/").status_code == 404
    assert api_m.get("/api/duplicates/").status_code == 200
    assert api_a.get("/api/duplicates/").status_code == 403  # counties never learn where
    moved = api_a.post(f"/api/dossiers/{dossier.pk}/transfer/", {"to_tenant": "tenantb", "reason": "调动"})
    assert moved.status_code == 201
    assert api_a.get(f"/api/dossiers/{dossier.pk}/duplicates/").status_code == 404  # gone from A


def test_exchange_pages(standards, tenant_a, tenant_b, municipal, persona, client_for):
    alice, mayor = persona("alice"), persona("mayor")
    dossier = filed(tenant_a, alice, consent=True)
    page = client_for(tenant_a, alice)
    assert page.get(f"/exchange/dossiers/{dossier.pk}/").status_code == 200
    assert client_for(tenant_b, persona("bob")).get(f"/exchange/dossiers/{dossier.pk}/").status_code == 404
    empty = page.post(f"/exchange/dossiers/{dossier.pk}/", {"action": "escalate", "e-request": ""})
    assert empty.status_code == 400
    sent = page.post(f"/exchange/dossiers/{dossier.pk}/", {"action": "escalate", "e-request": "申请市级救助"})
    assert sent.status_code == 302
    inbox = client_for(municipal, mayor).get("/exchange/referrals/")
    assert "申请市级救助" in inbox.content.decode() and resident_id() not in inbox.content.decode()
    referral = Referral.objects.get()
    decided = client_for(municipal, mayor).post(
        f"/exchange/referrals/{referral.pk}/decide/", {f"r{referral.pk}-status": "accepted"}
    )
    assert decided.status_code == 302 and Referral.objects.get().status == "accepted"
    assert "申请市级救助" not in client_for(tenant_b, persona("bob")).get("/exchange/referrals/").content.decode()
    assert client_for(municipal, mayor).get("/exchange/duplicates/").status_code == 200
    assert page.get("/exchange/duplicates/").status_code == 404
