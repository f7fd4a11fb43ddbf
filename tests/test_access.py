"""Users, memberships and roles: credentials count only on the tenants where the user is a member."""

import pytest
from django.test import Client, override_settings

from tenants.models import Membership
from tests.conftest import PASSWORD, host_of


def login(tenant, username, password=PASSWORD):
    client = Client(HTTP_HOST=host_of(tenant))
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def test_login_on_own_tenant(tenant_a):
    client, response = login(tenant_a, "alice")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "甲县总工会" in home.content.decode()


def test_member_of_a_cannot_log_in_on_b_and_learns_nothing(tenant_a, tenant_b):
    _client, wrong_tenant = login(tenant_b, "alice")
    _client, wrong_password = login(tenant_b, "bob", "not-the-password")
    _client, no_user = login(tenant_b, "nobody-at-all")
    assert wrong_tenant.status_code == wrong_password.status_code == no_user.status_code == 400
    # The same message for "not a member", "wrong password" and "no such user".
    assert wrong_tenant.context["form"].non_field_errors() == wrong_password.context["form"].non_field_errors()
    assert wrong_tenant.context["form"].non_field_errors() == no_user.context["form"].non_field_errors()


def test_session_from_a_is_anonymous_on_b(tenant_a, tenant_b):
    client, _ = login(tenant_a, "alice")
    client.defaults["HTTP_HOST"] = host_of(tenant_b)
    assert client.get("/").status_code == 302  # back to login: the session does not count here
    assert client.get("/members/").status_code == 302
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/members/").status_code in (401, 403)


def test_session_stops_counting_when_membership_is_removed(tenant_a, persona):
    client, _ = login(tenant_a, "amy")
    assert client.get("/").status_code == 200
    Membership.objects.filter(user=persona("amy"), tenant=tenant_a).delete()
    assert client.get("/").status_code == 302


def test_user_with_two_memberships_has_a_role_in_each(tenant_a, tenant_b, persona, client_for):
    amy = persona("amy")
    Membership.objects.create(user=amy, tenant=tenant_b, role="tenant_admin")
    assert client_for(tenant_b, amy).get("/members/").status_code == 200
    assert client_for(tenant_a, amy).get("/members/").status_code == 404  # station staff on A


def test_api_token_only_on_member_tenants(tenant_a, tenant_b, persona, api_for):
    alice = persona("alice")
    assert api_for(tenant_a, alice).get("/api/me/").json()["tenant"] == "tenanta"
    on_b = api_for(tenant_b, alice).get("/api/me/")
    assert on_b.status_code == 401
    unknown = api_for(tenant_b)
    unknown.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert unknown.get("/api/me/").json() == on_b.json()  # same answer as a made-up token


def test_token_endpoint(tenant_a, tenant_b, api_for):
    ok = api_for(tenant_a).post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    refused = api_for(tenant_b).post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    wrong = api_for(tenant_b).post("/api/auth/token/", {"username": "bob", "password": "wrong"})
    assert refused.status_code == wrong.status_code == 400
    assert refused.json() == wrong.json()
    assert refused.json()["errors"][0]["field"] is None


def test_members_of_b_are_invisible_from_a(tenant_a, tenant_b, persona, api_for, client_for):
    bob_membership = Membership.objects.get(user__username="bob", tenant=tenant_b)
    alice = persona("alice")
    api = api_for(tenant_a, alice)
    usernames = [row["username"] for row in api.get("/api/members/").json()["results"]]
    assert "alice" in usernames and "bob" not in usernames
    assert api.get(f"/api/members/{bob_membership.pk}/").status_code == 404
    assert api.delete(f"/api/members/{bob_membership.pk}/").status_code == 404
    assert api.get("/api/members/999999/").status_code == 404  # missing and foreign look alike
    page = client_for(tenant_a, alice)
    assert page.post(f"/members/{bob_membership.pk}/remove/").status_code == 404
    assert Membership.objects.filter(pk=bob_membership.pk).exists()


def test_tenant_admin_manages_members_through_the_api(tenant_a, tenant_b, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    created = api.post("/api/members/", {"username": "carol", "password": "Another-g00d-pass", "role": "reviewer"})
    assert created.status_code == 201, created.json()
    # A member of A only: not listed on B, not editable from B, no membership of B.
    bob = api_for(tenant_b, persona("bob"))
    assert "carol" not in str(bob.get("/api/members/").json())
    assert bob.patch(f"/api/members/{created.json()['id']}/", {"role": "tenant_admin"}).status_code == 404
    assert not Membership.objects.filter(tenant=tenant_b, user__username="carol").exists()
    changed = api.patch(f"/api/members/{created.json()['id']}/", {"role": "viewer"})
    assert changed.json()["role"] == "viewer"
    assert api.delete(f"/api/members/{created.json()['id']}/").status_code == 204


def test_member_errors_name_the_field(tenant_a, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    response = api.post("/api/members/", {"username": "dave", "role": "municipal_analyst", "password": "x"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["role"]
    missing = api.post("/api/members/", {"role": "viewer"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "username"


def test_last_admin_cannot_be_removed(tenant_b, persona, api_for):
    bob = persona("bob")
    mine = Membership.objects.get(user=bob, tenant=tenant_b)
    response = api_for(tenant_b, bob).delete(f"/api/members/{mine.pk}/")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "role"


def test_station_staff_cannot_manage_members(tenant_a, persona, api_for, client_for):
    amy = persona("amy")
    assert api_for(tenant_a, amy).get("/api/members/").status_code == 403
    assert client_for(tenant_a, amy).get("/members/").status_code == 404
    assert client_for(tenant_a, amy).get("/admin/").status_code == 302


def test_members_page_adds_a_member_with_form_errors(tenant_a, tenant_b, persona, client_for):
    client = client_for(tenant_a, persona("alice"))
    # Issue 16: a username without a password is answered as an invitation (the same answer as for an existing
    # account, so the page does not tell them apart); nothing is created.
    unknown = client.post("/members/", {"username": "erin", "role": "viewer"})
    assert unknown.status_code == 302
    assert not Membership.objects.filter(tenant=tenant_a, user__username="erin").exists()
    bad = client.post("/members/", {"username": "erin", "role": "viewer", "password": "x"})
    assert bad.status_code == 400 and "password" in bad.context["form"].errors
    good = client.post("/members/", {"username": "erin", "role": "viewer", "password": "Erin-pass-2026!"})
    assert good.status_code == 302
    assert Membership.objects.filter(tenant=tenant_a, user__username="erin", role="viewer").exists()
    assert not Membership.objects.filter(tenant=tenant_b, user__username="erin").exists()
    on_b = client_for(tenant_b, persona("bob")).get("/members/")
    assert on_b.status_code == 200 and "erin" not in on_b.content.decode() and "bob" in on_b.content.decode()


def test_per_tenant_admin(tenant_a, tenant_b, persona, client_for):
    alice = persona("alice")
    admin = client_for(tenant_a, alice)
    assert admin.get("/admin/").status_code == 200
    listing = admin.get("/admin/tenants/membership/").content.decode()
    assert "alice" in listing and "bob" not in listing
    bob_membership = Membership.objects.get(user__username="bob", tenant=tenant_b)
    assert admin.get(f"/admin/tenants/membership/{bob_membership.pk}/change/").status_code in (302, 404)


@override_settings(BANGFU_LOGIN_MAX_FAILURES=3)
def test_login_is_throttled(tenant_a):
    for _ in range(3):
        _client, response = login(tenant_a, "amy", "wrong")
        assert response.status_code == 400
    _client, locked = login(tenant_a, "amy")  # the right password, but locked out now
    assert locked.status_code == 400
    assert "locked" in [e.code for e in locked.context["form"].non_field_errors().as_data()]


def test_passwords_use_djangos_default_hasher(settings):
    from core import settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.mark.parametrize("path", ["/", "/members/", "/plugins/", "/tenants/"])
def test_anonymous_is_sent_to_login(tenant_a, client, path):
    response = client.get(path, HTTP_HOST=host_of(tenant_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unit_scope_must_be_a_unit_of_the_tenant(tenant_a, tenant_b, persona, api_for):
    from django_tenants.utils import schema_context

    from core.people.models import Unit
    from tests.factories import make_ids_foreign

    make_ids_foreign(tenant_b, tenant_a, Unit)  # the foreign unit's id is one tenant A has never had
    with schema_context(tenant_b.schema_name):
        foreign = Unit.objects.create(kind="township", name="乙县某镇")
    with schema_context(tenant_a.schema_name):
        own = Unit.objects.create(kind="township", name="甲县某镇")
        assert not Unit.objects.filter(pk=foreign.pk).exists()
    api = api_for(tenant_a, persona("alice"))
    body = {"username": "scoped", "password": "Plenty-long-pass-1", "role": "station_staff"}
    refused = api.post("/api/members/", {**body, "unit_id": foreign.pk})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "unit_id"
    assert not Membership.objects.filter(user__username="scoped").exists()
    created = api.post("/api/members/", {**body, "unit_id": own.pk})
    assert created.status_code == 201 and created.json()["unit_id"] == own.pk


@override_settings(BANGFU_LOGIN_MAX_FAILURES=2, BANGFU_BEHIND_PROXY=True)
def test_behind_nginx_one_clients_failures_do_not_lock_out_another(tenant_a):
    def attempt(ip, password):
        client = Client(HTTP_HOST=host_of(tenant_a), HTTP_X_REAL_IP=ip)
        return client.post("/accounts/login/", {"username": "alice" if password == PASSWORD else f"x{ip}",
                                                "password": password})  # fmt: skip

    for _ in range(2):
        assert attempt("10.1.1.1", "wrong").status_code == 400
    assert attempt("10.2.2.2", PASSWORD).status_code == 302  # another client, same nginx address
    assert attempt("10.1.1.1", "wrong").context["form"].non_field_errors().as_data()[0].code == "locked"
