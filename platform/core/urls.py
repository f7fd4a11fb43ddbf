"""URLs of every tenant host. Plugins are mounted by convention (see ``core.plugins``):
their pages under ``/plugins/<slug>/`` (namespace ``plugins:<slug>``) and their API under
``/api/plugins/<slug>/`` (namespace ``plugins-api:<slug>``); ``PluginGateMiddleware`` hides inactive ones."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from core import views
from core.admin import tenant_admin_site
from core.api import views as api
from core.plugins import registry
from rollups import views as rollup_views

router = DefaultRouter()
router.register("members", api.MemberViewSet, basename="member")
router.register("invitations", api.InvitationViewSet, basename="invitation")
router.register("plugin-activations", api.PluginViewSet, basename="plugin-activation")
router.register("tenants", api.TenantViewSet, basename="tenant")
router.register("provisioning-jobs", api.ProvisioningJobViewSet, basename="provisioning-job")

plugin_pages = [
    path(f"{cfg.slug}/", include((cfg.page_urlpatterns, cfg.slug))) for cfg in registry.all() if cfg.page_urlpatterns
]
plugin_api = [
    path(f"{cfg.slug}/", include((cfg.api_urlpatterns, cfg.slug))) for cfg in registry.all() if cfg.api_urlpatterns
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
    path("stations/", include("stations.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("exchange/", include("exchange.views")),
    path("assessment/", include("assessment.views")),
    path("rollups/", include((rollup_views.page_urlpatterns, "rollups"))),
    path("admin/", tenant_admin_site.urls),
    path("health/", views.health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/auth/token/", api.ObtainTokenView.as_view(), name="api-token"),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path("api/plugins/", include((plugin_api, "plugins-api"))),
    path("api/", include(router.urls)),
    path("api/", include("stations.api.urls")),
    path("api/", include("dossiers.api.urls")),
    path("api/", include("exchange.api")),
    path("api/", include("assessment.api")),
    path("api/", include(rollup_views.api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
