"""The OpenAPI schema (/api/schema/) tells the truth: schemathesis sends generated requests to every operation, as
each role of a county union (administrator, station staff, reviewer, viewer on tenant A) and of the city
(administrator and analyst on the municipal tenant), and checks that nothing answers 5xx and that every response
conforms to the schema (status code declared or not, the body matches what is declared for it).

How it runs: in-process, through Django's WSGI application (schemathesis' WSGI transport), inside the test's
transaction, so that everything the generated requests write is rolled back. Django's request signals would close
the test's database connection after each request (it is not in autocommit), so they are disconnected meanwhile,
as Django's own test client does.

Data: tenant A holds a filed dossier (its transitions start from a blank status), a pairing, a station with a
fund account (income and an expenditure, whose source is blank) and a reception record; tenant B holds its own
unit. Generated ids rarely hit a row, so each operation with a path id is also called once with the id of the
seeded row of its kind (``SEEDED``); reads go first, so that a generated DELETE cannot hide a row from them.

Bounded: ``MAX_EXAMPLES`` per operation and role, a fixed seed (``derandomize``), no shrinking, and a time budget
per role (a run over it fails rather than silently testing less); a failure reports the operation and the role.

Left out, on purpose:

- changes to memberships (``DELETE``/``PATCH /api/members/{id}/``): a generated id often is a persona's own
  membership, and a persona that removes itself or its admin midway would make the later cases of the run say
  nothing (403 for everything). Membership changes are tested in tests/test_api.py.
- ``POST /api/auth/token/`` is exercised (unauthenticated) but its failures feed the login throttle, which lives
  in Redis and is cleared after the test.
"""

from __future__ import annotations

import contextlib
import json
import time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from tests.conftest import host_of
from tests.factories import add_member

MAX_EXAMPLES = 6
NEGATIVE_EXAMPLES = 3
BUDGET_SECONDS_PER_ROLE = 120
SKIPPED = {("DELETE", "/api/members/{id}/"), ("PATCH", "/api/members/{id}/"), ("PUT", "/api/members/{id}/")}


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    return [not_a_server_error, response_schema_conformance]


@contextlib.contextmanager
def _keep_connection():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


ROLES = [
    ("tenant_a", "alice"),
    ("tenant_a", "amy"),
    ("tenant_a", "rita"),  # a reviewer, made in the test
    ("tenant_a", "vera"),  # a viewer, made in the test
    ("municipal", "mayor"),
    ("municipal", "ana"),
]


@pytest.fixture
def seeded(standards, tenant_a, tenant_b, municipal, persona) -> dict[str, int]:
    """Rows on tenant A (and one unit on B); the ids by the first segment of the paths that address them."""
    from datetime import date, timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from dossiers import services as dossier_services
    from dossiers.models import HouseholdMember
    from stations import services as station_services
    from tests.factories import filed

    alice, bob = persona("alice"), persona("bob")
    dossier = filed(tenant_a, alice)
    with schema_context(tenant_a.schema_name):
        union = station_services.save_unit(alice, tenant_a, {"kind": "union", "name": "甲县总工会本级"})
        station = station_services.save_station(
            alice, tenant_a, {"unit": union, "kind": "own", "established_on": date(2020, 1, 1)}
        )
        account = station_services.open_account(alice, tenant_a, name="帮扶资金", station=station)
        station_services.book_income(alice, tenant_a, account.pk, amount="500", source="upper_union")
        spent = station_services.book_expenditure(
            alice, tenant_a, account.pk, amount="20", purpose="慰问", approver="王"
        )
        record = station_services.register_visit(
            alice, tenant_a, station=station, visitor_name="张三", category="living", request="求助",
            visited_at=timezone.now() - timedelta(days=1),
        )  # fmt: skip
        pairing = dossier_services.pair_cadre(alice, tenant_a, dossier.pk, cadre_name="张主席", cadre_position="主席")
        member = HouseholdMember.objects.filter(dossier=dossier).first()
    with schema_context(tenant_b.schema_name):
        station_services.save_unit(bob, tenant_b, {"kind": "union", "name": "乙县总工会本级"})
    return {
        "dossiers": dossier.pk,
        "dossier-members": member.pk,
        "units": union.pk,
        "stations": station.pk,
        "fund-accounts": account.pk,
        "fund-entries": spent.pk,
        "reception-records": record.pk,
        "pairings": pairing.pk,
        "tenants": tenant_a.pk,
    }


def _seeded_ids(operation, seeded: dict[str, int]) -> dict[str, int] | None:
    """The operation's path parameters set to the seeded row of its kind, or None."""
    names = [p.name for p in operation.path_parameters]
    segment = operation.path.removeprefix("/api/").split("/")[0]
    if not names or segment not in seeded:
        return None
    return {name: seeded[segment] for name in names}


@pytest.mark.parametrize(("tenant_key", "username"), ROLES)
def test_every_operation_answers_as_the_schema_says(request, seeded, tenant_key, username, persona, client_for):
    tenant = request.getfixturevalue(tenant_key)
    other = request.getfixturevalue("tenant_b")
    if username == "rita":
        user = add_member(tenant, "rita", "reviewer")
    elif username == "vera":
        user = add_member(tenant, "vera", "viewer")
    else:
        user = persona(username)
    token, _created = Token.objects.get_or_create(user=user)
    raw = _schema(client_for(tenant))
    schema = schemathesis.openapi.from_dict(raw)
    app = get_wsgi_application()
    base_url = f"http://{host_of(tenant)}"
    headers = {"Authorization": f"Token {token.key}"}
    checks = _checks()
    failures: list[str] = []
    started = time.monotonic()

    def run(operation, mode, examples, path_parameters=None):
        label = f"{operation.method.upper()} {operation.path} ({mode.value}{', seeded row' if path_parameters else ''})"

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def one(case):
            try:
                case.call_and_validate(base_url=base_url, headers=headers, checks=checks, app=app)
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported together
                parts = getattr(exc, "exceptions", None) or [exc]
                text = "\n".join(str(part)[:1500] for part in parts)
                failures.append(f"{label} as {username}:\n{text}")

        try:
            one()
        except Unsatisfiable:  # negative mode: an operation with nothing that can be made invalid
            assert mode is GenerationMode.NEGATIVE, label

    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.method.upper() != "GET", op.method.upper() == "DELETE", op.path))
    with _keep_connection():
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            if time.monotonic() - started > BUDGET_SECONDS_PER_ROLE:
                failures.append(f"time budget of {BUDGET_SECONDS_PER_ROLE}s spent before {operation.path}")
                break
            run(operation, GenerationMode.POSITIVE, MAX_EXAMPLES)
            ids = _seeded_ids(operation, seeded)
            if ids:
                run(operation, GenerationMode.POSITIVE, MAX_EXAMPLES, ids)
            run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, ids)
    assert not failures, "\n\n".join(failures)
    # Tenant B saw nothing of what the generated requests wrote on the acting tenant.
    from django_tenants.utils import schema_context

    from core.people.models import Unit
    from stations.models import Station

    with schema_context(other.schema_name):
        assert list(Unit.objects.values_list("name", flat=True)) == ["乙县总工会本级"]
        assert not Station.objects.exists()
