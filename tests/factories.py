"""Test data builders shared by the suites: valid resident ID numbers, households, dossiers in a given state,
extra memberships, and tenant B's id sequences moved away from tenant A's ids."""

from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from tests.checkdigits import resident_id_check


def resident_id(area="511102", born="19800101", seq=123) -> str:
    body = f"{area}{born}{seq:03d}"
    return body + resident_id_check(body)  # written in tests/, not the product's function


def household(applicant_id=None, **extra):
    """Applicant (900 a month), spouse (300) and a child at school; `extra={"1": {...}}` changes member 1."""
    members = [
        {
            "relation": "applicant",
            "name": "王建国",
            "id_number": applicant_id or resident_id(),
            "monthly_income": "900",
        },
        {"relation": "spouse", "name": "李秀英", "id_number": resident_id(seq=124), "monthly_income": "300"},
        {
            "relation": "child",
            "name": "王小明",
            "id_number": resident_id(born="20100101", seq=11),
            "schooling": "junior",
        },
    ]
    for index, fields in extra.items():
        members[int(index)].update(fields)
    return members


def file(tenant, user, members=None, consents=None, **data):
    """A draft dossier in `tenant` (main cause: illness unless given)."""
    from dossiers import services

    with schema_context(tenant.schema_name):
        return services.file_dossier(
            user, tenant, data={"main_cause": "illness", **data}, members=members or household(), consents=consents
        )


def filed(tenant, user, members=None, consent=False, **data):
    """A filed dossier; `consent=True` also records the worker's consent to refer the case."""
    from dossiers import services
    from dossiers.models import Dossier

    consents = [{"category": "referral", "given_by": "王建国", "evidence": "签字同意书"}] if consent else None
    dossier = file(tenant, user, members=members, consents=consents, **data)
    with schema_context(tenant.schema_name):
        for step in ("submitted", "reviewed", "filed"):
            services.transition(user, tenant, dossier.pk, to_status=step, reason="ok")
        return Dossier.objects.get(pk=dossier.pk)


def add_member(tenant, username, role):
    from tenants.models import Membership

    user = get_user_model().objects.create_user(username=username, password="Plenty-long-pass-1")
    Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


def make_ids_foreign(tenant_b, tenant_a, *models):
    """Move tenant B's id sequences past anything tenant A holds, so that "B's id answers 404 on A" cannot pass
    because A happens to have no row with that id."""
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{tenant_a.schema_name}"."{table}"')
            top = cur.fetchone()[0]
            sequence = f'"{tenant_b.schema_name}"."{table}"'
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                " GREATEST(%s, nextval(pg_get_serial_sequence(%s, 'id'))))",
                [sequence, top + 1000, sequence],
            )
