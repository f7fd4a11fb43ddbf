"""Pages of the tenants app, at the root and without a namespace (``url_prefix = ""``, ``url_namespace = None``):
their paths and names are the platform's oldest (``/members/``, ``"members"`` …), kept as every link knows them."""

from django.urls import path

from tenants import views

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/<str:answer>/", views.invitation_answer, name="invitation-answer"),
    path("plugins/", views.plugins, name="plugins"),
    path("tenants/", views.tenant_list, name="tenant-list"),
    path("tenants/jobs/<uuid:job_id>/", views.provisioning_job, name="provisioning-job"),
]
