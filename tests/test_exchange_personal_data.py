"""The municipal union sees aggregates, never personal data (D-MU1): by no path that moves data between tenants —
transfers, referrals, the duplicate index, exports — does a name, ID number (full or masked), phone or bank account
of another union's people reach the city's responses or the city's tables."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from core.pii import blind_index, mask_resident_id
from dossiers.models import Dossier
from exchange import services
from exchange.models import Referral, Transfer
from tenants.models import Tenant
from tests.factories import file, filed, household, resident_id

# Tenant A's household: names no other fixture uses, so a hit anywhere is this household.
A_NAMES = ("欧阳甲申", "司马甲酉", "诸葛甲戌")
A_IDS = (resident_id(seq=881), resident_id(seq=882), resident_id(born="20100101", seq=83))
A_PHONE = "13987650881"
A_BANK = "6222020200112233445"
# Tenant B's household shares A's applicant (a duplicate across unions).
B_NAMES = ("上官乙亥", "欧阳甲申", "上官乙子")
B_IDS = (resident_id(seq=891), A_IDS[0], resident_id(born="20120101", seq=93))
B_PHONE = "13987650891"


def members(names, ids, phone):
    rows = household(ids[0], **{str(i): {"name": names[i], "id_number": ids[i]} for i in range(3)})
    rows[0]["phone"] = phone
    return rows


def needles() -> list[str]:
    ids = {*A_IDS, *B_IDS}
    return [*A_NAMES, *B_NAMES, *ids, *(mask_resident_id(n) for n in ids), A_PHONE, B_PHONE, A_BANK]


def text_of(response) -> str:
    """Everything a response carries: headers, and the body (every part of an .xlsx, which is a zip)."""
    body = response.content if not getattr(response, "streaming", False) else b"".join(response.streaming_content)
    parts = [json.dumps(dict(response.headers), ensure_ascii=False)]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    else:
        parts.append(body.decode("utf-8", "replace"))
    return "\n".join(parts)


def leaks(text: str, extra=()) -> list[str]:
    return [n for n in (*needles(), *extra) if n in text]


def table_rows(schema: str) -> dict[str, str]:
    """The text of every row of every table of a schema, as the test's connection sees it."""
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        tables = [row[0] for row in cur.fetchall()]
        found = {}
        for table in tables:
            cur.execute(f'SELECT string_agg(t::text, E\'\\n\') FROM "{schema}"."{table}" t')
            found[table] = cur.fetchone()[0] or ""
    return found


@pytest.fixture
def world(standards, tenant_a, tenant_b, municipal, persona):
    """A: a filed dossier with consent and a bank account; B: one sharing A's applicant; the city: one of its own."""
    alice, bob = persona("alice"), persona("bob")
    in_a = filed(tenant_a, alice, members=members(A_NAMES, A_IDS, A_PHONE), consent=True, bank_account=A_BANK)
    in_b = filed(tenant_b, bob, members=members(B_NAMES, B_IDS, B_PHONE), consent=True)
    city_own = household(resident_id(seq=871), **{"1": {"id_number": resident_id(seq=873)}})
    in_city = file(municipal, persona("mayor"), members=city_own)
    return in_a, in_b, in_city


def test_no_transfer_reaches_or_leaves_the_municipal_union(world, tenant_a, tenant_b, municipal, persona, api_for,
                                                            client_for):  # fmt: skip
    in_a, _in_b, in_city = world
    alice, mayor = persona("alice"), persona("mayor")
    api_a = api_for(tenant_a, alice)
    # The API: the city is no choice (400 on to_tenant), and nothing moved.
    refused = api_a.post(f"/api/dossiers/{in_a.pk}/transfer/", {"to_tenant": municipal.short_code, "reason": "调动"})
    assert refused.status_code == 400, refused.content
    assert [e["field"] for e in refused.json()["errors"]] == ["to_tenant"]
    # The service refuses it too, whoever calls it.
    with schema_context(tenant_a.schema_name), pytest.raises(ValidationError) as err:
        services.transfer_dossier(alice, tenant_a, in_a.pk, to_tenant=municipal, reason="调动")
    assert list(err.value.message_dict) == ["to_tenant"]
    # The page: the city is not among the choices, and posting it anyway is a form error.
    page = client_for(tenant_a, alice)
    form = page.get(f"/exchange/dossiers/{in_a.pk}/").context["transfer_form"]
    choices = set(form.fields["to_tenant"].queryset)
    assert municipal not in choices and tenant_b in choices and tenant_a not in choices
    posted = page.post(
        f"/exchange/dossiers/{in_a.pk}/", {"action": "transfer", "t-to_tenant": municipal.pk, "t-reason": "调动"}
    )
    assert posted.status_code == 400 and "to_tenant" in posted.context["transfer_form"].errors
    with schema_context(tenant_a.schema_name):
        assert Dossier.objects.filter(pk=in_a.pk, status="filed").exists()
    # Nor does the city send one of its own dossiers anywhere (it keeps no other union's dossiers to pass on).
    api_m = api_for(municipal, mayor)
    out = api_m.post(f"/api/dossiers/{in_city.pk}/transfer/", {"to_tenant": tenant_a.short_code, "reason": "调动"})
    assert out.status_code == 400 and [e["field"] for e in out.json()["errors"]] == ["to_tenant"]
    with schema_context(municipal.schema_name), pytest.raises(ValidationError) as err:
        services.transfer_dossier(mayor, municipal, in_city.pk, to_tenant=tenant_a, reason="调动")
    assert list(err.value.message_dict) == ["to_tenant"]
    assert client_for(municipal, mayor).get(f"/exchange/dossiers/{in_city.pk}/").context["transfer_form"] is None
    assert list(services.transfer_targets(municipal)) == []
    assert not Transfer.objects.exists()
    # Between two counties a transfer still works; B never had A's dossier before.
    moved = api_a.post(f"/api/dossiers/{in_a.pk}/transfer/", {"to_tenant": tenant_b.short_code, "reason": "调往乙县"})
    assert moved.status_code == 201
    with schema_context(municipal.schema_name):
        assert not Dossier.objects.exclude(pk=in_city.pk).exists()


def test_a_referral_to_the_municipal_union_is_de_identified(world, tenant_a, tenant_b, municipal, persona, api_for):
    in_a, in_b, _in_city = world
    api_a = api_for(tenant_a, persona("alice"))
    sent = api_a.post(f"/api/dossiers/{in_a.pk}/escalate/", {"request": "申请市级大病救助"})
    assert sent.status_code == 201
    referral = Referral.objects.get(pk=sent.json()["id"])
    assert referral.to_tenant == municipal
    assert not leaks(json.dumps(referral.summary, ensure_ascii=False)), referral.summary
    assert not {"applicant", "phone", "id_masked"} & set(referral.summary)
    # What the city needs to decide is there, under a case reference the sender can resolve.
    assert referral.summary["case"] == f"{tenant_a.short_code}-{in_a.pk}"
    assert referral.summary["tier"] == in_a.tier and referral.summary["household_size"] == 3
    # B's referral the same; B never sees A's.
    api_for(tenant_b, persona("bob")).post(f"/api/dossiers/{in_b.pk}/escalate/", {"request": "申请市级生活救助"})
    sent_b = api_for(tenant_b, persona("bob")).get("/api/referrals/sent/").json()["results"]
    assert [r["from_dossier_id"] for r in sent_b] == [in_b.pk] and "申请市级大病救助" not in json.dumps(sent_b)


def test_an_enterprise_group_refers_to_its_county_with_the_contact():
    """A county keeps dossiers and may take the case over, so it gets the name and phone (never the full ID number)
    from an enterprise group below it; the municipal union gets none of that from anyone."""

    class Applicant:
        name, phone, id_masked, relation = "欧阳甲申", A_PHONE, mask_resident_id(A_IDS[0]), "applicant"

    class Sums:
        def aggregate(self, **kwargs):
            return {"total": None}

    class Case:
        pk, tier, household_size, per_capita_income, standard_amount = 7, "deep", 3, "400.00", "450.00"
        main_cause, secondary_causes, assistance = "illness", [], Sums()

        def applicant(self):
            return Applicant()

    group = Tenant(short_code="groupx", kind=Tenant.Kind.ENTERPRISE_GROUP)
    county, city = Tenant(kind=Tenant.Kind.COUNTY), Tenant(kind=Tenant.Kind.MUNICIPAL)
    to_county = services._summary(group, Case(), county)
    assert (to_county["applicant"], to_county["phone"]) == ("欧阳甲申", A_PHONE) and A_IDS[0] not in str(to_county)
    to_city = services._summary(group, Case(), city)
    assert not leaks(json.dumps(to_city, ensure_ascii=False)) and to_city["case"] == "groupx-7"


def test_the_city_can_reach_no_personal_data_of_another_union(world, tenant_a, tenant_b, municipal, persona,
                                                              api_for, client_for):  # fmt: skip
    """Walk every path as the municipal users, then read every table of the city's schema and the shared one."""
    from tests.test_rollups import compute_all

    in_a, in_b, in_city = world
    alice, bob, mayor, ana = persona("alice"), persona("bob"), persona("mayor"), persona("ana")
    # Everything that moves data: a referral of each county, tried transfers, then a real one between counties.
    api_for(tenant_a, alice).post(f"/api/dossiers/{in_a.pk}/escalate/", {"request": "申请市级大病救助"})
    api_for(tenant_b, bob).post(f"/api/dossiers/{in_b.pk}/escalate/", {"request": "申请市级生活救助"})
    api_for(tenant_a, alice).post(f"/api/dossiers/{in_a.pk}/transfer/", {"to_tenant": "testcity", "reason": "调动"})
    with schema_context(tenant_b.schema_name):
        assert services.duplicate_count(tenant_b, in_b.pk) == 1  # the same applicant in A and B
    compute_all(tenant_a, tenant_b, municipal)
    received = [r["id"] for r in api_for(municipal, mayor).get("/api/referrals/received/").json()["results"]]
    assert len(received) == 2
    hashes = [blind_index(n) for n in {*A_IDS, *B_IDS}]

    bodies: dict[str, str] = {}
    for who in (mayor, ana):
        api, page = api_for(municipal, who), client_for(municipal, who)
        gets = {
            "api referrals received": api.get("/api/referrals/received/"),
            "api referrals sent": api.get("/api/referrals/sent/"),
            "api duplicates": api.get("/api/duplicates/"),
            "api a's duplicates": api.get(f"/api/dossiers/{in_a.pk}/duplicates/"),
            "api dossiers": api.get("/api/dossiers/"),
            "api a's dossier": api.get(f"/api/dossiers/{in_a.pk}/"),
            "api b's dossier": api.get(f"/api/dossiers/{in_b.pk}/"),
            "api lookup": api.post("/api/dossiers/lookup/", {"id_number": A_IDS[0]}),
            "api figures": api.get("/api/rollups/figures/", {"metric": "dossiers.count", "by_tenant": "1"}),
            "api status": api.get("/api/rollups/status/"),
            "page referrals": page.get("/exchange/referrals/"),
            "page duplicates": page.get("/exchange/duplicates/"),
            "page a's exchange": page.get(f"/exchange/dossiers/{in_a.pk}/"),
            "page dossiers": page.get("/dossiers/"),
            "page dossier export": page.get("/dossiers/export/"),
            "page a's dossier": page.get(f"/dossiers/{in_a.pk}/"),
            "page a's print": page.get(f"/dossiers/{in_a.pk}/print/", {"full_ids": "1"}),
            "page dashboard": page.get("/rollups/"),
            "page export": page.get("/rollups/export/"),
            "page year export": page.get("/rollups/export/", {"period": "year"}),
            "page trend export": page.get("/rollups/trend/export/", {"metric": "dossiers.count"}),
            "page a's figures": page.get(f"/rollups/unions/{tenant_a.pk}/"),
            "page a's export": page.get(f"/rollups/unions/{tenant_a.pk}/export/"),
            "page b's export": page.get(f"/rollups/unions/{tenant_b.pk}/export/"),
            "page own export": page.get("/rollups/own/export/"),
            # The city's users on A's host get nothing either (their login belongs to the city).
            "api on a's host": api_for(tenant_a, who).get(f"/api/dossiers/{in_a.pk}/"),
            "page on a's host": client_for(tenant_a, who).get(f"/dossiers/{in_a.pk}/"),
        }
        if who == mayor:
            decided = api.post(f"/api/referrals/{received[0]}/decide/", {"status": "accepted"})
            assert decided.status_code == 200
            gets["api decision"] = decided
        for name, response in gets.items():
            bodies[f"{who.username}: {name}"] = text_of(response)
        # The paths that exist answer, so the test reads real pages, not only refusals.
        assert gets["api referrals received"].status_code in (200, 403)
        assert gets["page export"].status_code == 200 and gets["page a's export"].status_code == 200
        # (the city's own dossier may carry the same id as A's in its own schema: then it is the city's, read below)
        assert gets["api a's dossier"].status_code in (403, 404) or in_a.pk == in_city.pk
    assert f"{tenant_a.short_code}-{in_a.pk}" in bodies["mayor: page referrals"]  # the case reference is shown
    assert json.loads(bodies["mayor: api duplicates"].split("\n", 1)[1]) == [
        {"tenant": tenant_a.name, "other_tenant": tenant_b.name, "dossiers": 1}
    ]  # counts only
    leaked = {name: leaks(text) for name, text in bodies.items() if leaks(text)}
    assert not leaked, leaked

    # The city's schema holds nobody of A or B: no name, number, phone or account, not even a blind index.
    city_rows = table_rows(municipal.schema_name)
    assert not {t: leaks(text, hashes) for t, text in city_rows.items() if leaks(text, hashes)}
    # Nor do the shared tables the city reads (referrals, transfers, duplicate flags, rollup facts, ...).
    public_rows = table_rows("public")
    assert not {t: leaks(text) for t, text in public_rows.items() if leaks(text)}
    # ... while the people are where they belong (the check above would have found them).
    assert leaks("\n".join(table_rows(tenant_a.schema_name).values()), hashes)
    assert A_NAMES[0] in "\n".join(table_rows(tenant_b.schema_name).values())
