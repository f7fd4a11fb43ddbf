"""Attachments stored per tenant, pairing and visits, continuity of help, and a unit passing a case to its union —
each with two tenants."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django_tenants.utils import schema_context

from dossiers import services
from dossiers.attachments import add_attachment
from dossiers.models import Attachment
from exchange import services as exchange
from tests.factories import filed, make_ids_foreign, resident_id


def test_attachments_live_in_the_tenants_folder_and_only_its_host(
    standards, tenant_a, tenant_b, persona, client_for, api_for
):
    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        attachment = add_attachment(
            alice, tenant_a, dossier.pk, SimpleUploadedFile("收入证明.pdf", b"%PDF-1.4 proof"), description="收入证明"
        )
        with pytest.raises(ValidationError) as err:
            add_attachment(alice, tenant_a, dossier.pk, SimpleUploadedFile("x.exe", b"MZ"))
        assert "file" in err.value.message_dict
        stored = Path(attachment.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / tenant_a.schema_name)
    assert "收入证明" not in stored.name and resident_id() not in str(stored)
    page = client_for(tenant_a, alice).get(f"/dossiers/attachments/{attachment.pk}/")
    assert page.status_code == 200 and b"".join(page.streaming_content) == b"%PDF-1.4 proof"
    assert client_for(tenant_b, persona("bob")).get(f"/dossiers/attachments/{attachment.pk}/").status_code == 404
    assert api_for(tenant_b, persona("bob")).get(f"/api/dossier-attachments/{attachment.pk}/").status_code == 404
    listing = api_for(tenant_a, alice).get(f"/api/dossiers/{dossier.pk}/attachments/").json()
    assert [row["name"] for row in listing] == ["收入证明.pdf"]
    with schema_context(tenant_b.schema_name):
        assert not Attachment.objects.exists()


def test_pairing_visits_and_continuity(standards, tenant_a, tenant_b, persona, api_for):
    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        pairing = services.pair_cadre(alice, tenant_a, dossier.pk, cadre_name="张主席", cadre_position="县总工会主席",
                                      since=date.today() - timedelta(days=90))  # fmt: skip
        services.log_pairing_visit(
            alice, tenant_a, pairing.pk, visited_on=date.today() - timedelta(days=10), note="入户走访"
        )
        with pytest.raises(ValidationError):
            services.log_pairing_visit(
                alice, tenant_a, pairing.pk, visited_on=date.today() + timedelta(days=1), note="x"
            )
        for months_ago in (0, 1, 2, 5):
            day = (date.today().replace(day=1) - timedelta(days=months_ago * 28)).replace(day=1)
            services.record_assistance(alice, tenant_a, dossier.pk, kind="living", amount="200", given_on=day,
                                       programme="月度生活救助")  # fmt: skip
        continuity = services.assistance_continuity(dossier)
        assert continuity["times"] == 4 and continuity["months_helped"] == 4 and continuity["longest_run"] == 3
        assert str(continuity["total"]) == "800.00"
    detail = api_for(tenant_a, alice).get(f"/api/dossiers/{dossier.pk}/").json()
    assert detail["continuity"]["longest_run"] == 3 and detail["pairings"][0]["visits"][0]["note"] == "入户走访"
    api_b = api_for(tenant_b, persona("bob"))
    assert (
        api_b.post(f"/api/pairings/{pairing.pk}/visits/", {"visited_on": str(date.today()), "note": "x"}).status_code
        == 404
    )
    ended = api_for(tenant_a, alice).post(f"/api/pairings/{pairing.pk}/end/", {}, format="json")
    assert ended.status_code == 200 and ended.json()["until"] == str(date.today())


def test_a_unit_passes_a_case_to_its_union(standards, tenant_a, tenant_b, persona, api_for, client_for):
    amy, alice = persona("amy"), persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        with pytest.raises(ValidationError):
            exchange.escalate_to_union(amy, tenant_a, dossier.pk, request=" ")
        referral = exchange.escalate_to_union(amy, tenant_a, dossier.pk, request="企业无力救助，请县总帮扶")
    assert referral.to_tenant_id == referral.from_tenant_id == tenant_a.pk
    inbox = api_for(tenant_a, alice).get("/api/referrals/received/").json()["results"]
    assert [row["id"] for row in inbox] == [referral.pk]
    assert api_for(tenant_b, persona("bob")).get("/api/referrals/received/").json()["results"] == []
    exchange.decide_referral(alice, tenant_a, referral.pk, status="accepted")
    page = client_for(tenant_a, amy, HTTP_ACCEPT_LANGUAGE="en").get(f"/exchange/dossiers/{dossier.pk}/")
    assert page.status_code == 200 and "Accepted" in page.content.decode()
    with pytest.raises(Http404), schema_context(tenant_b.schema_name):
        exchange.escalate_to_union(persona("bob"), tenant_b, dossier.pk, request="x")


def test_transfer_takes_the_attachments_along(standards, tenant_a, tenant_b, persona, client_for,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        attachment = add_attachment(alice, tenant_a, dossier.pk, SimpleUploadedFile("证明.pdf", b"%PDF proof"))
        old_path = Path(attachment.file.path)
        with django_capture_on_commit_callbacks(execute=True):
            transfer = exchange.transfer_dossier(alice, tenant_a, dossier.pk, to_tenant=tenant_b, reason="调动")
    assert not old_path.exists()  # removed from A's folder once the transfer committed
    with schema_context(tenant_b.schema_name):
        moved = Attachment.objects.get(dossier_id=transfer.to_dossier_id)
        assert Path(moved.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / tenant_b.schema_name)
        assert moved.file.read() == b"%PDF proof"
    assert client_for(tenant_b, persona("bob")).get(f"/dossiers/attachments/{moved.pk}/").status_code == 200


def test_a_visit_links_to_a_dossier_of_the_same_tenant_only(standards, tenant_a, tenant_b, persona):
    from core.people.models import Unit
    from dossiers.models import Dossier
    from stations import services as stations

    alice = persona("alice")
    mine = filed(tenant_a, alice)
    make_ids_foreign(tenant_b, tenant_a, Dossier)
    theirs = filed(tenant_b, persona("bob"))
    with schema_context(tenant_a.schema_name):
        unit = Unit.objects.create(kind="township", name="苏稽镇")
        desk = stations.save_station(alice, tenant_a, {"unit": unit, "kind": "own", "established_on": date(2020, 1, 1)})
        visit = stations.register_visit(alice, tenant_a, station=desk, visitor_name="王建国", category="medical",
                                        request="复诊费用", dossier_id=mine.pk)  # fmt: skip
        assert visit.dossier == mine and list(mine.receptions.all()) == [visit]
        assert not Dossier.objects.filter(pk=theirs.pk).exists()  # an id that exists only in B...
        with pytest.raises(ValidationError) as err:  # ...is refused like any unknown id
            stations.register_visit(alice, tenant_a, station=desk, visitor_name="x", category="other",
                                    request="x", dossier_id=theirs.pk)  # fmt: skip
        assert "dossier_id" in err.value.message_dict
