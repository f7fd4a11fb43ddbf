"""URLs of the public hosts (no tenant): a landing page and the health check. Everything else lives on a
tenant's host."""

from django.urls import include, path

from core import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("health/", views.health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
]
