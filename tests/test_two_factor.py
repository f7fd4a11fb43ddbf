"""Two-factor sign-in (issue 16): every user may enrol (TOTP); an enrolled user's page, admin and token logins ask
for the code; who BANGFU_REQUIRE_2FA_FOR names is sent to enrolment after the password and can do nothing else."""

import json
import os
import subprocess
import sys
import time

from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, ROOT, host_of

REQUIRE_ADMINS = {"roles": ["tenant_admin"], "permissions": [], "municipal": True}


def code(user, steps=1):
    """The code the user's app shows `steps` periods from now (django-otp refuses a code twice, so each use in a
    test takes a later one)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(tenant, username, follow=False, next_url=""):
    client = Client(HTTP_HOST=host_of(tenant))
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client, client.post(url, {"username": username, "password": PASSWORD}, follow=follow)


def enrol(client, user):
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and page.context["secret"] in html  # the QR code inline, and the key to type in
    assert "两步验证" in html and "验证器应用中的验证码" in html  # in the users' language
    done = client.post("/accounts/two-factor/", {"otp_token": code(user, steps=0)})
    assert done.status_code == 302, done.content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_every_user_may_enrol_and_then_every_login_asks_for_a_code(tenant_a, tenant_b, persona, client_for):
    amy = persona("amy")  # station staff: nobody requires it of her
    enrol(client_for(tenant_a, amy), amy)
    client, after_password = password_login(tenant_a, "amy")
    assert after_password.status_code == 302 and after_password["Location"] == "/accounts/login/code/"
    assert client.get("/").status_code == 302  # not signed in by the password alone
    wrong = client.post("/accounts/login/code/", {"otp_token": "000000"})
    assert wrong.status_code == 400 and "otp_token" in wrong.context["form"].errors
    right = client.post("/accounts/login/code/", {"otp_token": code(amy)})
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    # The pending password step is this host's only: the session on B is anonymous, bob logs in without a code.
    _bob, bob_login = password_login(tenant_b, "bob")
    assert bob_login.status_code == 302 and bob_login["Location"] == "/"


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, BANGFU_LOGIN_MAX_FAILURES=3)
def test_a_known_password_does_not_clear_the_count_of_wrong_codes(tenant_a, persona, client_for):
    amy = persona("amy")
    enrol(client_for(tenant_a, amy), amy)
    for _ in range(3):
        client, _ = password_login(tenant_a, "amy")
        assert client.post("/accounts/login/code/", {"otp_token": "000000"}).status_code == 400
    client, locked = password_login(tenant_a, "amy")  # the right password, but three wrong codes came before
    assert locked.status_code == 400
    assert "locked" in [e.code for e in locked.context["form"].non_field_errors().as_data()]
    assert client.post("/accounts/login/code/", {"otp_token": code(amy)})["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_session_from_before_enrolment_needs_the_code(tenant_a, tenant_b, persona, client_for):
    amy = persona("amy")
    older = client_for(tenant_a, amy)
    assert older.get("/").status_code == 200
    enrol(client_for(tenant_a, amy), amy)
    assert older.get("/")["Location"] == "/accounts/two-factor/"
    assert older.post("/accounts/two-factor/", {"otp_token": code(amy)}).status_code == 302
    assert older.get("/").status_code == 200
    assert client_for(tenant_b, persona("bob")).get("/").status_code == 200  # not enrolled: nothing asked


def test_the_code_step_expires_and_belongs_to_its_host(tenant_a, tenant_b, persona, client_for, settings):
    amy = persona("amy")
    enrol(client_for(tenant_a, amy), amy)
    client, _ = password_login(tenant_a, "amy")
    client.defaults["HTTP_HOST"] = host_of(tenant_b)
    assert client.post("/accounts/login/code/", {"otp_token": code(amy)})["Location"] == "/accounts/login/"
    client, _ = password_login(tenant_a, "amy")
    settings.BANGFU_2FA_PENDING_SECONDS = 0
    assert client.post("/accounts/login/code/", {"otp_token": code(amy)})["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_token_endpoint_asks_an_enrolled_user_for_otp_token(tenant_a, tenant_b, persona, client_for, api_for):
    amy = persona("amy")
    old = api_for(tenant_a, amy)  # a token made before enrolment ...
    assert old.get("/api/me/").status_code == 200
    enrol(client_for(tenant_a, amy), amy)
    assert old.get("/api/me/").status_code == 401  # ... stops working: it was issued without the second factor
    api = api_for(tenant_a)
    without = api.post("/api/auth/token/", {"username": "amy", "password": PASSWORD})
    assert without.status_code == 400 and without.json()["errors"][0]["field"] == "otp_token"
    ok = api.post("/api/auth/token/", {"username": "amy", "password": PASSWORD, "otp_token": code(amy)})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    # Bob on B, not enrolled, still gets a token with his password alone.
    bob = api_for(tenant_b).post("/api/auth/token/", {"username": "bob", "password": PASSWORD})
    assert bob.status_code == 200


def test_admin_login_asks_for_the_code(tenant_a, persona, client_for):
    alice = persona("alice")
    enrol(client_for(tenant_a, alice), alice)
    chain = Client(HTTP_HOST=host_of(tenant_a)).get("/admin/", follow=True).redirect_chain
    assert chain[-1][0].startswith("/accounts/login/?next=/admin/")  # the admin's login is the page login
    _client, response = password_login(tenant_a, "alice", next_url="/admin/")
    assert response["Location"] == "/accounts/login/code/"
    assert _client.get("/admin/").status_code == 302
    assert _client.post("/accounts/login/code/", {"otp_token": code(alice)})["Location"] == "/admin/"
    assert _client.get("/admin/").status_code == 200


@override_settings(BANGFU_REQUIRE_2FA_FOR=REQUIRE_ADMINS)
def test_who_must_use_it_is_sent_to_enrolment_and_can_do_nothing_else(tenant_a, tenant_b, municipal, persona, api_for):
    alice = persona("alice")
    client, response = password_login(tenant_a, "alice")
    assert response.status_code == 302
    for path in ("/", "/members/", "/admin/", "/dossiers/", "/invitations/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"] == "/accounts/two-factor/", path
    assert client.get("/api/members/").status_code == 403
    assert (
        client.post("/members/", {"username": "x1", "role": "viewer", "password": "Plenty-long-pass-1"})["Location"]
        == "/accounts/two-factor/"
    )
    assert api_for(tenant_a, alice).get("/api/me/").status_code == 401  # her token does not work either
    token = api_for(tenant_a).post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert token.status_code == 400 and token.json()["errors"][0]["field"] == "otp_token"
    # Station staff on A and the admin of B under other rules: amy is not an admin; bob is, so he is sent too.
    amy_client, _ = password_login(tenant_a, "amy")
    assert amy_client.get("/").status_code == 200
    bob_client, _ = password_login(tenant_b, "bob")
    assert bob_client.get("/")["Location"] == "/accounts/two-factor/"
    # Everyone on the municipal union, whatever the role.
    ana_client, _ = password_login(municipal, "ana")
    assert ana_client.get("/")["Location"] == "/accounts/two-factor/"
    # Once enrolled, alice works normally.
    enrol(client, alice)
    assert client.get("/").status_code == 200
    assert client.get("/members/").status_code == 200


@override_settings(BANGFU_REQUIRE_2FA_FOR={"roles": [], "permissions": ["dossiers.view_id_number"]})
def test_revealing_id_numbers_requires_it(tenant_a, tenant_b, persona):
    from core.twofactor import requires_two_factor
    from tests.factories import add_member

    reviewer, viewer = add_member(tenant_a, "rita", "reviewer"), add_member(tenant_a, "vic", "viewer")
    assert requires_two_factor(reviewer, tenant_a)  # reviewers may reveal full ID numbers
    assert not requires_two_factor(viewer, tenant_a)
    assert requires_two_factor(persona("bob"), tenant_b) and not requires_two_factor(persona("bob"), tenant_a)
    assert not requires_two_factor(persona("amy"), tenant_a)


def test_available_but_not_required_by_default_and_required_in_production():
    from core import settings as base

    assert not any(base.BANGFU_REQUIRE_2FA_FOR.values())
    env = {
        **os.environ,
        "BANGFU_SECRET_KEY": "k" * 60,
        "BANGFU_PII_KEY": "p" * 40,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }
    out = subprocess.run(
        [sys.executable, "-c", "import json, core.settings_production as s; print(json.dumps(s.BANGFU_REQUIRE_2FA_FOR))"],  # noqa: E501
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    rule = json.loads(out.stdout)
    assert "tenant_admin" in rule["roles"] and "dossiers.view_id_number" in rule["permissions"] and rule["municipal"]


def test_reset_two_factor_command_after_a_lost_phone(tenant_a, tenant_b, persona, client_for):
    from django.core.management import call_command

    amy, bob = persona("amy"), persona("bob")
    enrol(client_for(tenant_a, amy), amy)
    enrol(client_for(tenant_b, bob), bob)
    call_command("reset_two_factor", "amy", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not TOTPDevice.objects.filter(user=amy).exists()
    assert TOTPDevice.objects.filter(user=bob, confirmed=True).exists()
    _client, response = password_login(tenant_a, "amy")
    assert response["Location"] == "/"  # the password alone again
