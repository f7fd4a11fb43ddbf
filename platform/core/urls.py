"""URLs of every tenant host: the core's own pages (login, two-factor, home, health, i18n, the API schema), then
every app's routes mounted by the app contract.

A core app's pages are mounted under ``/<slug>/`` (namespace ``<slug>``), or where its ``url_prefix`` and
``url_namespace`` say (the tenants app: at the root, un-namespaced), and its API under ``/api/``; a plugin's
pages under ``/plugins/<slug>/`` (namespace ``plugins:<slug>``) and its API under ``/api/plugins/<slug>/``
(namespace ``plugins-api:<slug>``). ``PluginGateMiddleware`` hides the routes of a plugin that is not active on
the tenant, and every plugin route needs a signed-in member unless its view is marked ``core.plugins.public``
(``core.routes.guarded``), so a plugin author cannot forget it.
"""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views
from core.admin import tenant_admin_site
from core.api import views as api
from core.plugins import registry
from core.routes import guarded

mounted = [app for app in registry.apps() if app.mounts_routes]
core_pages = [
    # An app without a namespace (the tenants app) keeps its names as they are ("members", not "tenants:members").
    path(
        app.url_prefix,
        include(app.page_urlpatterns if app.url_namespace is None else (app.page_urlpatterns, app.url_namespace)),
    )
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
    *core_pages,
    path("plugins/", include((plugin_pages, "plugins"))),
    path("admin/", tenant_admin_site.urls),
    path("health/", views.health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/auth/token/", api.ObtainTokenView.as_view(), name="api-token"),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path("api/plugins/", include((plugin_api, "plugins-api"))),
    *[path("api/", include(patterns)) for patterns in core_api],
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
