from django.urls import path

from assessments import (
    assessment_views,
    crosscheck_views,
    exit_views,
    inspection_views,
    views,
)

app_name = "assessments"
urlpatterns = [
    path("dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboard/<slug:figure>/", views.figure_households, name="figure"),
    path("dashboard/<slug:figure>.xlsx", views.figure_households_xlsx, name="figure_xlsx"),
    path("trends/", views.trends, name="trends"),
    path("inspections/", inspection_views.inspection_list, name="inspections"),
    path("inspections/new/", inspection_views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection"),
    path("rectifications/", inspection_views.rectification_list, name="rectifications"),
    path(
        "rectifications/<int:pk>/edit/",
        inspection_views.rectification_edit,
        name="rectification_edit",
    ),
    path("exits/", exit_views.exit_review_list, name="exit_reviews"),
    path("exits/propose/<int:pk>/", exit_views.exit_review_propose, name="exit_propose"),
    path("exits/<int:pk>/", exit_views.exit_review_detail, name="exit_review"),
    path("returns/<int:pk>/", exit_views.return_to_poverty, name="return_to_poverty"),
    path(
        "exit-steps/<int:pk>/objection/", exit_views.exit_objection_add, name="exit_objection_add"
    ),
    path(
        "exit-objections/<int:pk>/resolve/",
        exit_views.exit_objection_resolve,
        name="exit_objection_resolve",
    ),
    path("crosschecks/", crosscheck_views.crosschecks, name="crosschecks"),
    path("crosschecks/rules/", crosscheck_views.quality_run, name="quality_run"),
    path("findings/", crosscheck_views.findings, name="findings"),
    path("findings/<int:pk>/", crosscheck_views.finding, name="finding"),
    path("yearly/", assessment_views.assessment_list, name="assessments"),
    path("yearly/compute/", assessment_views.assessment_compute, name="assessment_compute"),
    path("yearly/report/", assessment_views.assessment_report, name="assessment_report"),
    path("yearly/report.xlsx", assessment_views.assessment_xlsx, name="assessment_xlsx"),
    path("yearly/teams/<int:pk>/", assessment_views.team_assessment, name="team_assessment"),
    path("yearly/teams/<int:pk>/outcomes/", assessment_views.outcome_add, name="outcome_add"),
    path("yearly/outcomes/<int:pk>/close/", assessment_views.outcome_close, name="outcome_close"),
    path(
        "yearly/cadres/<int:pk>/edit/",
        assessment_views.cadre_assessment_edit,
        name="cadre_assessment_edit",
    ),
]
