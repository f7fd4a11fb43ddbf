"""The people kit (core.people, core.scope): one person record per union, the resident ID number as a model
field, audited reveals, consent, and the unit scope every list uses — each checked with two unions."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django_tenants.utils import schema_context

from core import scope
from core.people.models import Person, PersonalDataView, PersonConsent, Unit
from core.people.services import (
    consent_categories,
    find_or_create_person,
    has_consent,
    persons_by_index,
    record_consent,
    reveal,
    views_of,
    withdraw_consent,
)
from core.pii import blind_index, decrypt
from dossiers.models import HouseholdMember
from tenants.models import Membership
from tests.factories import file, filed, household, resident_id
from tests.isolation import assert_absent_from, assert_only_in

NUMBER = resident_id(born="19750314", seq=135)  # odd sequence: a man


# ------------------------------------------------------------------------------------------------ the record
def test_one_person_per_number_in_each_union(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        first = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER, phone="13800000000")
        again = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER.lower())  # the same number
        assert again.pk == first.pk and Person.objects.count() == 1
        assert again.phone == "13800000000"
        assert (first.birth_date, first.sex, first.age(on=date(2025, 3, 14))) == (date(1975, 3, 14), "M", 50)
    with schema_context(tenant_b.schema_name):
        theirs = find_or_create_person(tenant_b, name="张伟", id_number=NUMBER)
        assert Person.objects.count() == 1
    # B's record is B's own: same blind index (duplicate detection), a different encryption.
    assert theirs.id_index == first.id_index == blind_index(NUMBER)
    assert theirs.id_number_encrypted != first.id_number_encrypted
    with schema_context(tenant_a.schema_name):
        with pytest.raises(RuntimeError):  # a person of B is never made while the connection is on A
            find_or_create_person(tenant_b, name="张伟", id_number=NUMBER)


def test_the_id_column_holds_no_plaintext_and_reading_gives_the_mask(tenant_a):
    with schema_context(tenant_a.schema_name):
        person = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER)
        assert person.id_number == NUMBER[:6] + "********" + NUMBER[-4:]
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
            row = " ".join(str(value) for value in cur.fetchone())
        assert NUMBER not in row and NUMBER[6:14] + NUMBER[14:17] not in row
        assert Person.objects.filter(**Person.id_number.lookup(NUMBER)).get() == person
        with pytest.raises(ValidationError):
            Person(name="x", id_number=NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1"))


def test_batch_lookup_reuses_known_persons(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        known = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER)
        other = resident_id(seq=222)
        found = persons_by_index(tenant_a, [("张伟", NUMBER, ""), ("李娜", other, "")])
        assert found[blind_index(NUMBER)].pk == known.pk and Person.objects.count() == 2
    assert_absent_from(tenant_b, Person, id_index=blind_index(other))


def test_household_members_link_to_the_persons_of_their_union(tenant_a, tenant_b, persona):
    alice, bob = persona("alice"), persona("bob")
    applicant = resident_id(seq=301)
    file(tenant_a, alice, members=household(applicant_id=applicant))
    file(tenant_b, bob, members=household(applicant_id=applicant))
    for tenant in (tenant_a, tenant_b):
        with schema_context(tenant.schema_name):
            members = list(HouseholdMember.objects.select_related("person"))
            assert len(members) == 3 and all(m.person is not None for m in members)
            assert {m.person.id_index for m in members} == {m.id_index for m in members}
            assert Person.objects.count() == 3
    with schema_context(tenant_a.schema_name):  # a second dossier's household reuses the records
        a_person = Person.objects.get(id_index=blind_index(applicant))
        assert HouseholdMember.objects.filter(person=a_person).count() == 1


# ------------------------------------------------------------------------------------------------ reveal
def test_a_reveal_writes_one_audit_row_and_the_other_union_has_none(tenant_a, tenant_b, persona):
    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        person = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER)
        assert reveal(alice, person, channel="page") == NUMBER
        row = views_of(person).get()
        assert (row.viewer, row.field, row.channel) == (alice, "id_number", "page")
    assert_only_in(tenant_a, tenant_b, PersonalDataView, viewer=alice)
    with schema_context(tenant_b.schema_name):
        assert not PersonalDataView.objects.exists()


def test_the_audit_log_refuses_update_and_delete_in_a_cloned_tenant_schema(tenant_a, persona):
    """The trigger is made by the migration in the template schema; tenant A's schema is a clone of it."""
    alice = persona("alice")
    with schema_context(tenant_a.schema_name):
        person = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER)
        reveal(alice, person, channel="api")
        for statement in ("UPDATE people_personaldataview SET channel = 'x'", "DELETE FROM people_personaldataview"):
            with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(statement)
        assert PersonalDataView.objects.get().channel == "api"


# ------------------------------------------------------------------------------------------------ consent
def test_consent_is_recorded_per_person_and_union(tenant_a, tenant_b, persona):
    alice, bob = persona("alice"), persona("bob")
    assert {"health", "disability", "legal_dispute", "counseling", "referral"} <= set(consent_categories())
    with schema_context(tenant_a.schema_name):
        person = find_or_create_person(tenant_a, name="张伟", id_number=NUMBER)
        with pytest.raises(ValidationError) as caught:
            record_consent(alice, tenant_a, person, "nonsense", given_by="", evidence="")
        assert set(caught.value.message_dict) == {"category", "given_by", "evidence"}
        consent = record_consent(alice, tenant_a, person, "health", given_by="张伟", evidence="签字同意书")
        assert has_consent(person, "health") and not has_consent(person, "disability")
    with schema_context(tenant_b.schema_name):
        theirs = find_or_create_person(tenant_b, name="张伟", id_number=NUMBER)
        assert not has_consent(theirs, "health")  # consent given in A is A's
        record_consent(bob, tenant_b, theirs, "referral", given_by="张伟", evidence="录音")
    with schema_context(tenant_a.schema_name):
        assert not has_consent(person, "referral")
        withdraw_consent(tenant_a, consent)
        assert not has_consent(person, "health")
        # The row stays, and nothing but the withdrawal stamp may change — once.
        for statement in (
            "UPDATE people_personconsent SET evidence = 'x'",
            "UPDATE people_personconsent SET withdrawn_at = now()",
            "DELETE FROM people_personconsent",
        ):
            with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cur:
                cur.execute(statement)
        assert PersonConsent.objects.get().evidence == "签字同意书"
    assert_absent_from(tenant_b, PersonConsent, category="health")


# ------------------------------------------------------------------------------------------------ scope
@pytest.fixture
def units(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        union = Unit.objects.create(kind="union", name="甲总工会")
        township = Unit.objects.create(kind="township", name="甲镇", parent=union)
        community = Unit.objects.create(kind="community", name="甲社区", parent=township)
        elsewhere = Unit.objects.create(kind="township", name="甲另一镇", parent=union)
    with schema_context(tenant_b.schema_name):
        b_union = Unit.objects.create(kind="union", name="乙总工会")
    return {"union": union, "township": township, "community": community, "elsewhere": elsewhere, "b": b_union}


def test_scope_limits_a_member_scoped_to_a_unit(units, tenant_a, tenant_b, persona):
    amy, alice, bob = persona("amy"), persona("alice"), persona("bob")
    Membership.objects.filter(user=amy, tenant=tenant_a).update(unit_id=units["township"].pk)
    amy = persona("amy")  # a fresh object: memberships are memoised on the user
    with schema_context(tenant_a.schema_name):
        assert scope.units_for(amy, tenant_a) == {units["township"].pk, units["community"].pk}
        assert scope.units_for(alice, tenant_a) is None  # the tenant admin sees the whole union
        mine = scope.limit(Unit.objects.all(), amy, tenant_a, "pk")
        assert set(mine) == {units["township"], units["community"]}
        person = Person.objects.create(name="甲社区职工", unit=units["community"])
        Person.objects.create(name="甲另一镇职工", unit=units["elsewhere"])
        assert list(scope.limit(Person.objects.all(), amy, tenant_a, "unit")) == [person]
        assert scope.limit(Person.objects.all(), alice, tenant_a, "unit").count() == 2
    with schema_context(tenant_b.schema_name):  # B's lists are untouched by A's scopes
        Person.objects.create(name="乙职工", unit=units["b"])
        assert scope.units_for(bob, tenant_b) is None
        assert [p.name for p in scope.limit(Person.objects.all(), bob, tenant_b, "unit")] == ["乙职工"]
    assert_absent_from(tenant_b, Person, name="甲社区职工")


def test_a_transferred_household_gets_the_receiving_unions_own_person_records(standards, tenant_a, tenant_b, persona):
    from exchange import services as exchange

    alice = persona("alice")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        sent = {m.id_index: m.person_id for m in HouseholdMember.objects.filter(dossier=dossier)}
        transfer = exchange.transfer_dossier(alice, tenant_a, dossier.pk, to_tenant=tenant_b, reason="职工调往乙县工作")
        assert Person.objects.filter(pk__in=sent.values()).count() == 3  # the sender keeps its records
    with schema_context(tenant_b.schema_name):
        members = list(HouseholdMember.objects.filter(dossier_id=transfer.to_dossier_id).select_related("person"))
        assert {m.person.id_index for m in members} == set(sent)
        assert all(reveal(persona("bob"), m.person, channel="page") for m in members)  # encrypted for B's schema


def test_an_apps_consent_categories_are_namespaced(monkeypatch):
    from core.plugins import registry

    stations = registry.get_app("stations")
    monkeypatch.setattr(stations, "consent_categories", {"stations.visit_notes": "x", "gossip": "y"})
    assert "stations.visit_notes" in consent_categories()
    assert stations.contract_errors() == ["consent category 'gossip' is outside the app's namespace stations.*"]


def test_the_migration_makes_one_person_per_distinct_number_of_the_members(tenant_a, tenant_b, persona):
    """dossiers 0008 on rows that predate the link: two households sharing two members give four persons."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dossiers.migrations.0008_household_members_are_persons")
    alice = persona("alice")
    file(tenant_a, alice, members=household(applicant_id=resident_id(seq=401)))
    file(tenant_a, alice, members=household(applicant_id=resident_id(seq=403)))  # the same spouse and child
    s = tenant_a.schema_name
    with schema_context(s):
        HouseholdMember.objects.update(person=None)
        Person.objects.all().delete()
        with connection.schema_editor() as editor:
            migration.link_members_to_persons(apps, editor)
        assert Person.objects.count() == 4
        members = list(HouseholdMember.objects.select_related("person"))
        assert len(members) == 6 and all(m.person.id_index == m.id_index for m in members)
        same = [decrypt(m.person.id_number_encrypted, s) == decrypt(m.id_number_encrypted, s) for m in members]
        assert all(same)  # copied as it was: it still decrypts in this schema
    assert_absent_from(tenant_b, Person, id_index=blind_index(resident_id(seq=401)))
