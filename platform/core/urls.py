"""URLs of every tenant host: the core's own pages, then every app's routes mounted by the app contract.

A core app's pages are mounted under ``/<slug>/`` (namespace ``<slug>``) and its API under ``/api/``; a plugin's
pages under ``/plugins/<slug>/`` (namespace ``plugins:<slug>``) and its API under ``/api/plugins/<slug>/``
(namespace ``plugins-api:<slug>``). ``PluginGateMiddleware`` hides the routes of a plugin that is not active on
the tenant, and every plugin route needs a signed-in member unless its view is marked ``core.plugins.public``
(``core.routes.guarded``), so a plugin author cannot forget it.
"""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from core import views
from core.admin import tenant_admin_site
from core.api import views as api
from core.plugins import registry
from core.routes import guarded

router = DefaultRouter()
router.register("members", api.MemberViewSet, basename="member")
router.register("invitations", api.InvitationViewSet, basename="invitation")
router.register("plugin-activations", api.PluginViewSet, basename="plugin-activation")
router.register("tenants", api.TenantViewSet, basename="tenant")
router.register("provisioning-jobs", api.ProvisioningJobViewSet, basename="provisioning-job")

mounted = [app for app in registry.apps() if app.mounts_routes]
core_pages = [
    path(f"{app.slug}/", include((app.page_urlpatterns, app.slug)))
    for app in mounted
    if not app.is_plugin and app.page_urlpatterns
]
core_api = [app.api_urlpatterns for app in mounted if not app.is_plugin and app.api_urlpatterns]
plugin_pages = [
    path(f"{app.slug}/", include((guarded(app.page_urlpatterns, api=False), app.slug)))
    for app in mounted
    if app.is_plugin and app.page_urlpatterns
]
plugin_api = [
    path(f"{app.slug}/", include((guarded(app.api_urlpatterns, api=True), app.slug)))
    for app in mounted
    if app.is_plugin and app.api_urlpatterns
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/login/code/", views.login_code, name="login-code"),
    path("accounts/two-factor/", views.two_factor, name="two-factor"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/<str:answer>/", views.invitation_answer, name="invitation-answer"),
    path("plugins/", views.plugins, name="plugins"),
    path("plugins/", include((plugin_pages, "plugins"))),
    path("tenants/", views.tenant_list, name="tenant-list"),
    path("tenants/jobs/<uuid:job_id>/", views.provisioning_job, name="provisioning-job"),
    *core_pages,
    path("admin/", tenant_admin_site.urls),
    path("health/", views.health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/auth/token/", api.ObtainTokenView.as_view(), name="api-token"),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path("api/plugins/", include((plugin_api, "plugins-api"))),
    path("api/", include(router.urls)),
    *[path("api/", include(patterns)) for patterns in core_api],
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
