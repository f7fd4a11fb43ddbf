"""Page URLs of the jobs, mounted at /jobs/ (namespace "jobs") by core.urls."""

from django.urls import path

from core.jobs import views

app_name = "jobs"
urlpatterns = [path("imports/<int:job_id>/", views.import_job, name="import-job")]
