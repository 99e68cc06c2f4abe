from django.urls import path

from households import import_views as views

app_name = "roster_import"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status/", views.job_status, name="status"),
    path("<int:pk>/confirm/", views.job_confirm, name="confirm"),
    path("<int:pk>/errors.xlsx", views.job_errors, name="errors"),
]
