"""One live dossier per person and union (D-DO1): a second live dossier of the same applicant is refused by the API,
the pages, the spreadsheet import and the database itself (also under concurrent requests), naming the existing
dossier, never the ID number; the same person as a member of another live dossier is a warning; another union may
keep its own dossier of the person (the duplicate index tells it a count)."""

import importlib
import threading
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django_tenants.utils import schema_context

from core.pii import blind_index
from dossiers import services
from dossiers.models import Dossier, DossierTransition, HouseholdMember
from exchange import services as exchange
from tests.factories import file, filed, household, resident_id
from tests.test_dossiers_import import run_import, upload
from tests.test_dossiers_pages import FACTS, member_post

X = resident_id(seq=951)  # the applicant filed twice


def other_household(applicant=None, seq=953, **extra):
    """A household of other people (spouse and child differ from the factory's default household)."""
    others = {"1": {"id_number": resident_id(seq=seq)}, "2": {"id_number": resident_id(born="20120101", seq=seq % 100)}}
    return household(applicant or resident_id(seq=seq + 2), **{**others, **extra})


def live_count(tenant, number=X) -> int:
    with schema_context(tenant.schema_name):
        return Dossier.objects.filter(applicant_index=blind_index(number), status__in=Dossier.LIVE_STATUSES).count()


def test_the_constraint_covers_exactly_the_live_statuses():
    constraint = next(c for c in Dossier._meta.constraints if c.name == services.ONE_LIVE_PER_APPLICANT)
    statuses = next(child for child in constraint.condition.children if isinstance(child, tuple))[1]
    assert sorted(statuses) == sorted(Dossier.LIVE_STATUSES)


def test_a_second_live_dossier_of_the_applicant_is_refused(tenant_a, tenant_b, persona, api_for):
    alice, bob = persona("alice"), persona("bob")
    first = file(tenant_a, alice, members=household(X))
    api = api_for(tenant_a, alice)
    body = {"main_cause": "illness", "members": other_household(X)}
    again = api.post("/api/dossiers/", body, format="json")
    assert again.status_code == 400, again.content
    (error,) = again.json()["errors"]
    assert error["field"] == "members.0.id_number" and f"#{first.pk}" in error["reason"]
    assert X not in again.content.decode() and X[:17] not in again.content.decode()
    assert live_count(tenant_a) == 1
    # Another union keeps its own dossier of the person; A's refusal never shows there, B's filing is not refused.
    in_b = api_for(tenant_b, bob).post("/api/dossiers/", body, format="json")
    assert in_b.status_code == 201 and live_count(tenant_b) == 1 and live_count(tenant_a) == 1
    with schema_context(tenant_b.schema_name):
        assert exchange.duplicate_count(tenant_b, in_b.json()["id"]) == 1
    # Changing another draft's household to make X its applicant is refused the same way.
    second = file(tenant_a, alice, members=other_household())
    with schema_context(tenant_a.schema_name), pytest.raises(services.ValidationError) as err:
        services.update_dossier(alice, tenant_a, second.pk, data={}, members=other_household(X))
    assert list(err.value.message_dict) == ["members.0.id_number"]
    # The database refuses it whatever the path.
    with schema_context(tenant_a.schema_name):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dossier.objects.filter(pk=second.pk).update(applicant_index=blind_index(X))
        # Once the first is cancelled, the person may be filed again.
        services.transition(alice, tenant_a, first.pk, to_status="cancelled", reason="重复建档")
    assert api.post("/api/dossiers/", body, format="json").status_code == 201
    assert live_count(tenant_a) == 1


def test_a_transfer_to_a_union_that_keeps_the_applicant_is_refused(standards, tenant_a, tenant_b, persona, api_for):
    in_a = filed(tenant_a, persona("alice"), members=household(X))
    file(tenant_b, persona("bob"), members=other_household(X))
    moved = api_for(tenant_a, persona("alice")).post(
        f"/api/dossiers/{in_a.pk}/transfer/", {"to_tenant": tenant_b.short_code, "reason": "调动"}
    )
    assert moved.status_code == 400 and [e["field"] for e in moved.json()["errors"]] == ["to_tenant"]
    assert live_count(tenant_a) == 1 and live_count(tenant_b) == 1


def test_the_pages_show_the_refusal_on_the_row_and_warn_of_a_member(tenant_a, tenant_b, persona, client_for):
    alice = persona("alice")
    first = file(tenant_a, alice, members=household(X))
    page = client_for(tenant_a, alice)
    refused = page.post("/dossiers/new/", {**FACTS, **member_post(other_household(X))})
    assert refused.status_code == 400
    row_errors = refused.context["formset"].forms[0].errors["id_number"]
    assert any(f"#{first.pk}" in e for e in row_errors) and not any(X[:17] in e for e in row_errors)
    assert live_count(tenant_a) == 1
    # X as the spouse of another household: saved, with a warning naming the other dossier.
    spouse = other_household(**{"1": {"id_number": X, "name": "王建国"}})
    saved = page.post("/dossiers/new/", {**FACTS, **member_post(spouse)}, follow=True)
    assert saved.status_code == 200
    warnings = [str(m) for m in saved.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and f"#{first.pk}" in warnings[0] and "王建国" in warnings[0]
    # B's pages know nothing of A's dossiers.
    in_b = client_for(tenant_b, persona("bob")).post("/dossiers/new/", {**FACTS, **member_post(spouse)}, follow=True)
    assert not [m for m in in_b.context["messages"] if m.level_tag == "warning"]


def test_the_api_warns_of_a_member_in_another_live_dossier(tenant_a, tenant_b, persona, api_for):
    first = file(tenant_a, persona("alice"), members=household(X))
    spouse = other_household(**{"1": {"id_number": X}})
    made = api_for(tenant_a, persona("alice")).post("/api/dossiers/", {"main_cause": "illness", "members": spouse},
                                                    format="json")  # fmt: skip
    assert made.status_code == 201
    (seen,) = made.json()["also_in_live_dossiers"]
    assert seen["dossier"] == first.pk
    in_b = api_for(tenant_b, persona("bob")).post("/api/dossiers/", {"main_cause": "illness", "members": spouse},
                                                  format="json")  # fmt: skip
    assert in_b.status_code == 201 and in_b.json()["also_in_live_dossiers"] == []


def test_the_import_names_the_row_and_the_existing_dossier(tenant_a, tenant_b, persona):
    first = file(tenant_a, persona("alice"), members=household(X))
    people = [
        {"household": "H1", "relation": "本人", "name": "王建国", "id_number": X, "monthly_income": 900,
         "main_cause": "因病"},
        {"household": "H1", "relation": "配偶", "name": "赵敏", "id_number": resident_id(seq=962)},
    ]  # fmt: skip
    with translation.override("en"):
        report = run_import(tenant_a, persona("alice"), upload(people))
    assert not report.ok
    (error,) = report.errors
    assert (error.row, error.code) == (2, "exists") and f"#{first.pk}" in error.reason and X not in error.reason
    assert live_count(tenant_a) == 1
    assert run_import(tenant_b, persona("bob"), upload(people)).ok and live_count(tenant_b) == 1


def test_concurrent_filings_of_the_same_applicant_exactly_one_lands(no_rollup_state, tenant_a, tenant_b, persona):
    """Two requests per union file X at the same moment, on their own connections, in real transactions: one
    lands in each union, the other is told which dossier holds the person; no thread dies, nothing else happens."""
    committed = no_rollup_state
    index = blind_index(X)
    for tenant in (tenant_a, tenant_b):
        s = tenant.schema_name
        mine = f'SELECT id FROM "{s}".dossiers_dossier WHERE applicant_index = %s'
        # Undone last first: flags and index rows, then the dossiers' rows, then the dossiers.
        committed("SELECT 1", undo_with=(f'DELETE FROM "{s}".dossiers_dossier WHERE applicant_index = %s', [index]))
        # The persons the filings made (core.people), once no member row points at them.
        unlinked = f'DELETE FROM "{s}".people_person p WHERE NOT EXISTS (SELECT 1 FROM "{s}".dossiers_householdmember m'
        committed("SELECT 1", undo_with=(unlinked + " WHERE m.person_id = p.id)", []))
        for table in ("dossiers_householdmember", "dossiers_dossiertransition", "dossiers_consent"):
            committed("SELECT 1", undo_with=(f'DELETE FROM "{s}".{table} WHERE dossier_id IN ({mine})', [index]))
        committed("SELECT 1", undo_with=("DELETE FROM public.exchange_personindex WHERE tenant_id = %s", [tenant.pk]))
        committed("SELECT 1", undo_with=("DELETE FROM public.exchange_duplicateflag WHERE tenant_id = %s", [tenant.pk]))
    users = {tenant_a.pk: persona("alice"), tenant_b.pk: persona("bob")}
    jobs = [tenant_a, tenant_a, tenant_b, tenant_b]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple] = []

    def attempt(tenant, i):
        try:
            connection.set_tenant(tenant)
            barrier.wait(timeout=30)
            dossier = services.file_dossier(
                users[tenant.pk], tenant, data={"main_cause": "illness"}, members=other_household(X, seq=971 + 4 * i)
            )
            outcomes.append((tenant.pk, "ok", dossier.pk))
        except services.ValidationError as exc:
            outcomes.append((tenant.pk, "refused", exc.message_dict))
        except Exception as exc:  # noqa: BLE001 — counted, so that the test fails on it
            outcomes.append((tenant.pk, "error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(tenant, i)) for i, tenant in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a thread is stuck"
    assert len(outcomes) == len(jobs), outcomes  # every thread reported
    for tenant in (tenant_a, tenant_b):
        mine = [o for o in outcomes if o[0] == tenant.pk]
        assert sorted(o[1] for o in mine) == ["ok", "refused"], outcomes
        (landed,) = [o[2] for o in mine if o[1] == "ok"]
        (refusal,) = [o[2] for o in mine if o[1] == "refused"]
        assert list(refusal) == ["members.0.id_number"] and f"#{landed}" in refusal["members.0.id_number"][0]
        rows = committed(
            f'SELECT id FROM "{tenant.schema_name}".dossiers_dossier WHERE applicant_index = %s', [index]
        )  # fmt: skip
        assert rows == [(landed,)]
        # No member rows of the refused attempt were left behind.
        members = committed(
            f'SELECT count(*) FROM "{tenant.schema_name}".dossiers_householdmember WHERE id_index = %s', [index]
        )
        assert members == [(1,)]


def test_the_migration_sets_aside_existing_duplicates_loudly(tenant_a, tenant_b, persona, capsys):
    """Data from before the constraint may hold two live dossiers of one applicant: the migration keeps the
    oldest, sets the later one aside with a line in its history, prints it, and leaves other unions alone."""
    migration = importlib.import_module("dossiers.migrations.0005_dossier_applicant_index")
    alice = persona("alice")
    older = file(tenant_a, alice, members=household(X))
    later = file(tenant_a, alice, members=other_household())
    single = file(tenant_a, alice, members=other_household(seq=981))
    in_b = file(tenant_b, persona("bob"), members=household(X))
    with schema_context(tenant_a.schema_name):
        # As before the constraint (0006, dropped here inside the test's transaction, which is rolled back): no
        # index on the dossiers yet, and the later one names X as applicant too.
        with connection.cursor() as cur:
            cur.execute(f'DROP INDEX "{tenant_a.schema_name}".{services.ONE_LIVE_PER_APPLICANT}')
        Dossier.objects.filter(pk__in=[older.pk, later.pk, single.pk]).update(applicant_index="")
        HouseholdMember.objects.filter(dossier=later, relation="applicant").update(id_index=blind_index(X))
        groups = migration.fill_applicant_index(None, SimpleNamespace(connection=connection))
        assert groups == [[older.pk, later.pk]]
        index = dict(
            Dossier.objects.filter(pk__in=[older.pk, later.pk, single.pk]).values_list("pk", "applicant_index")
        )
        assert index[older.pk] == blind_index(X) and index[later.pk] == ""
        assert index[single.pk] == HouseholdMember.objects.get(dossier=single, relation="applicant").id_index
        note = DossierTransition.objects.filter(dossier_id=later.pk).order_by("-id").first()
        assert f"#{older.pk}" in note.reason and note.from_status == note.to_status == "draft"
    assert f"{later.pk}" in capsys.readouterr().out
    with schema_context(tenant_b.schema_name):
        assert Dossier.objects.get(pk=in_b.pk).applicant_index == blind_index(X)
        assert not DossierTransition.objects.filter(reason__contains="重复档案").exists()
