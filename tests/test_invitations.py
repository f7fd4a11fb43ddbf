"""Membership needs the person's consent (issue 16): a tenant admin adding an existing account records an
invitation, which its owner accepts or declines; the answer to the admin never tells which usernames exist."""

from django.test import override_settings

from tenants.models import Invitation, Membership
from tests.conftest import PASSWORD


def _invitation_of(user, tenant):
    return Invitation.objects.get(user=user, tenant=tenant, accepted_at__isnull=True, declined_at__isnull=True)


def test_adding_bob_to_a_only_invites_him(tenant_a, tenant_b, persona, api_for):
    alice, bob = persona("alice"), persona("bob")
    response = api_for(tenant_a, alice).post("/api/members/", {"username": "bob", "role": "viewer"})
    assert response.status_code == 202
    assert "Bob" not in response.content.decode()  # nothing about the account: not even its name
    assert not Membership.objects.filter(user=bob, tenant=tenant_a).exists()
    assert api_for(tenant_a, bob).get("/api/me/").status_code == 401  # bob's token does not work on A yet
    invitation = _invitation_of(bob, tenant_a)
    assert (invitation.role, invitation.invited_by) == ("viewer", alice)
    # Tenant B's admin (bob himself) sees nothing of it in B's members.
    names = [row["username"] for row in api_for(tenant_b, bob).get("/api/members/").json()["results"]]
    assert names == ["bob"]


def test_existing_and_unknown_usernames_get_the_same_answer(tenant_a, persona, api_for):
    api = api_for(tenant_a, persona("alice"))
    existing = api.post("/api/members/", {"username": "bob", "role": "viewer"})
    unknown = api.post("/api/members/", {"username": "nobody-like-this", "role": "viewer"})
    assert existing.status_code == unknown.status_code == 202
    assert existing.content == unknown.content
    assert existing.json()["detail"]
    # A password does not tell them apart either: a taken username is not "already exists", a weak password is
    # refused the same way for both.
    taken = api.post("/api/members/", {"username": "bob", "role": "viewer", "password": "Another-g00d-pass"})
    assert taken.status_code == 202 and taken.content == existing.content
    weak_taken = api.post("/api/members/", {"username": "bob", "role": "viewer", "password": "x"})
    weak_free = api.post("/api/members/", {"username": "free-name", "role": "viewer", "password": "x"})
    assert weak_taken.status_code == weak_free.status_code == 400
    assert weak_taken.content == weak_free.content
    assert not Membership.objects.filter(user__username="bob", tenant__short_code="tenanta").exists()
    assert persona("bob").check_password(PASSWORD)  # the password in the request never touched bob's account
    assert not Invitation.objects.filter(user__username="nobody-like-this").exists()


def test_bob_accepts_on_his_own_union_and_then_belongs_to_a(tenant_a, tenant_b, persona, api_for):
    alice, bob = persona("alice"), persona("bob")
    api_for(tenant_a, alice).post("/api/members/", {"username": "bob", "role": "viewer"})
    on_b = api_for(tenant_b, bob)
    pending = on_b.get("/api/invitations/").json()
    assert [(row["tenant"], row["role"]) for row in pending] == [(tenant_a.name, "viewer")]
    # Nobody else can answer it: not alice on A, not amy.
    assert api_for(tenant_a, alice).post(f"/api/invitations/{pending[0]['id']}/accept/").status_code == 404
    assert api_for(tenant_a, persona("amy")).get("/api/invitations/").json() == []
    accepted = on_b.post(f"/api/invitations/{pending[0]['id']}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert Membership.objects.get(user=bob, tenant=tenant_a).role == "viewer"
    assert api_for(tenant_a, bob).get("/api/me/").json()["role"] == "viewer"
    assert on_b.get("/api/invitations/").json() == []
    assert on_b.post(f"/api/invitations/{pending[0]['id']}/accept/").status_code == 404  # answered once


def test_a_declined_invitation_makes_no_membership(tenant_a, tenant_b, persona, api_for):
    bob = persona("bob")
    api_for(tenant_a, persona("alice")).post("/api/members/", {"username": "bob", "role": "viewer"})
    invitation = _invitation_of(bob, tenant_a)
    assert api_for(tenant_b, bob).post(f"/api/invitations/{invitation.pk}/decline/").status_code == 204
    assert not Membership.objects.filter(user=bob, tenant=tenant_a).exists()
    assert api_for(tenant_b, bob).get("/api/invitations/").json() == []


@override_settings(BANGFU_INVITATION_DAYS=-1)
def test_an_expired_invitation_cannot_be_accepted(tenant_a, tenant_b, persona, api_for):
    bob = persona("bob")
    api_for(tenant_a, persona("alice")).post("/api/members/", {"username": "bob", "role": "viewer"})
    invitation = _invitation_of(bob, tenant_a)
    assert api_for(tenant_b, bob).post(f"/api/invitations/{invitation.pk}/accept/").status_code == 404
    assert not Membership.objects.filter(user=bob, tenant=tenant_a).exists()


def test_members_page_invites_with_one_message(tenant_a, tenant_b, persona, client_for):
    client = client_for(tenant_a, persona("alice"))
    answers = []
    for username in ("bob", "no-such-person"):
        response = client.post("/members/", {"username": username, "role": "viewer"}, follow=True)
        assert response.status_code == 200
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] == ["已记录邀请；对方接受后即加入本会。"]
    assert not Membership.objects.filter(user__username="bob", tenant=tenant_a).exists()
    # Bob answers on B's invitations page.
    page = client_for(tenant_b, persona("bob"))
    listing = page.get("/invitations/")
    assert tenant_a.name in listing.content.decode()
    invitation = _invitation_of(persona("bob"), tenant_a)
    assert page.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    assert Membership.objects.filter(user__username="bob", tenant=tenant_a, role="viewer").exists()


def test_the_platform_administrator_adds_directly(tenant_a, persona, api_for):
    alice = persona("alice")
    alice.is_superuser = True
    alice.save(update_fields=["is_superuser"])
    response = api_for(tenant_a, alice).post("/api/members/", {"username": "bob", "role": "viewer"})
    assert response.status_code == 201
    assert Membership.objects.filter(user__username="bob", tenant=tenant_a).exists()
