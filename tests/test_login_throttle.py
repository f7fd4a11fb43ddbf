"""One login throttle for every host (issue 16): the counts are not kept per tenant, the page login, the token
login and the admin all share them, and one address cannot lock other people out of their accounts."""

from django.test import Client, override_settings

from tenants.models import Membership
from tests.conftest import PASSWORD, host_of


def page_login(tenant, username, password, ip="10.0.0.1"):
    client = Client(HTTP_HOST=host_of(tenant), REMOTE_ADDR=ip)
    return client.post("/accounts/login/", {"username": username, "password": password})


def token_login(tenant, username, password, ip="10.0.0.1"):
    client = Client(HTTP_HOST=host_of(tenant), REMOTE_ADDR=ip)
    return client.post("/api/auth/token/", {"username": username, "password": password})


def _locked(response) -> bool:
    return "locked" in [e.code for e in response.context["form"].non_field_errors().as_data()]


@override_settings(BANGFU_LOGIN_MAX_FAILURES=5)
def test_failures_on_one_host_lock_the_account_on_every_host(tenant_a, tenant_b, persona):
    Membership.objects.create(user=persona("amy"), tenant=tenant_b, role="viewer")  # amy belongs to both unions
    for _ in range(5):
        assert page_login(tenant_a, "amy", "wrong").status_code == 400
    on_b = page_login(tenant_b, "amy", PASSWORD)  # the right password, on the other union's host
    assert on_b.status_code == 400 and _locked(on_b)
    assert token_login(tenant_b, "amy", PASSWORD).status_code == 429  # the API shares the count
    # Bob, on B, is not affected by amy's lock (nor by the address: 5 is below the per-address limit).
    assert page_login(tenant_b, "bob", PASSWORD).status_code == 302


@override_settings(BANGFU_LOGIN_MAX_FAILURES=5)
def test_token_failures_count_for_the_page_login(tenant_a, tenant_b):
    for _ in range(5):
        assert token_login(tenant_b, "alice", "wrong", ip="10.0.1.1").status_code == 400
    assert _locked(page_login(tenant_a, "alice", PASSWORD, ip="10.0.1.1"))


@override_settings(BANGFU_LOGIN_MAX_FAILURES=5)
def test_guesses_from_one_address_do_not_lock_the_owner_elsewhere(tenant_a):
    """Decided: the account × address count locks the account only from the guessing address; the owner, from
    their own address, still logs in."""
    for _ in range(5):
        page_login(tenant_a, "alice", "wrong", ip="203.0.113.9")
    assert _locked(page_login(tenant_a, "alice", PASSWORD, ip="203.0.113.9"))
    assert page_login(tenant_a, "alice", PASSWORD, ip="198.51.100.7").status_code == 302


@override_settings(BANGFU_LOGIN_MAX_FAILURES=5, BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS=8)
def test_one_address_working_through_usernames_is_stopped_but_locks_no_one_else(tenant_a, tenant_b):
    for i in range(8):
        page_login(tenant_a if i % 2 else tenant_b, f"user{i}", "wrong", ip="203.0.113.9")
    # That address is locked, even for an account it never tried and the right password ...
    assert _locked(page_login(tenant_a, "amy", PASSWORD, ip="203.0.113.9"))
    # ... and nobody else is: the same users log in from their own addresses.
    assert page_login(tenant_a, "amy", PASSWORD, ip="198.51.100.7").status_code == 302
    assert page_login(tenant_b, "bob", PASSWORD, ip="198.51.100.8").status_code == 302


@override_settings(BANGFU_LOGIN_MAX_FAILURES=2, BANGFU_LOGIN_MAX_FAILURES_PER_ADDRESS=2,
                   BANGFU_LOGIN_MAX_FAILURES_PER_ACCOUNT=6)  # fmt: skip
def test_guessing_one_account_from_many_addresses_locks_it_everywhere(tenant_a):
    for i in range(6):
        page_login(tenant_a, "alice", "wrong", ip=f"192.0.2.{i}")
    assert _locked(page_login(tenant_a, "alice", PASSWORD, ip="198.51.100.7"))


def test_throttle_keys_carry_no_tenant(tenant_a, tenant_b, rf):
    from django.db import connection

    from core.auth import LoginThrottle

    request = rf.post("/accounts/login/", REMOTE_ADDR="10.9.9.9")
    connection.set_tenant(tenant_a)
    on_a = LoginThrottle(request, "Alice").keys
    connection.set_tenant(tenant_b)
    on_b = LoginThrottle(request, "alice ").keys
    assert on_a == on_b
    assert not any(tenant_a.schema_name in key or tenant_b.schema_name in key for key in on_a.values())


@override_settings(BANGFU_LOGIN_MAX_FAILURES=3)
def test_admin_login_goes_through_the_throttle(tenant_a):
    """/admin/login/ is the tenant's login page: after 3 failures there the right password is refused, and a POST
    to Django's own admin login never signs anyone in."""
    client = Client(HTTP_HOST=host_of(tenant_a), REMOTE_ADDR="10.0.0.5")
    for _ in range(3):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
        page_login(tenant_a, "alice", "wrong", ip="10.0.0.5")
    admin = client.post("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD}, follow=True)
    assert "_auth_user_id" not in client.session
    assert admin.redirect_chain[0][0].startswith("/accounts/login/")
    assert _locked(page_login(tenant_a, "alice", PASSWORD, ip="10.0.0.5"))
