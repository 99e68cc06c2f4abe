from django.urls import path
from django.views.generic import RedirectView

from households import views
from teams.models import Area

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("households.xlsx", views.household_list_xlsx, name="list_xlsx"),
    path("new/", views.household_create, name="create"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    # The card moved to the ledgers app (it shows the measures and incomes).
    path("<int:pk>/card/", RedirectView.as_view(pattern_name="ledgers:card"), name="card"),
    path("<int:pk>/persons/new/", views.person_create, name="person_create"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
    path("<int:pk>/cadre/", views.cadre_assign, name="cadre_assign"),
    path("<int:pk>/member-change/", views.member_change, name="member_change"),
    path("<int:pk>/head-change/", views.head_change, name="head_change"),
    path("<int:pk>/move-out/", views.move_out, name="move_out"),
    path("arriving/", views.arriving, name="arriving"),
    path("arriving/<int:pk>/receive/", views.receive, name="receive"),
    path(
        "arriving/households/<int:pk>/receive/",
        views.receive_household,
        name="receive_household",
    ),
    path("<int:pk>/identification/", views.identification, name="identification"),
    path("<int:pk>/identification/step/", views.identification_step, name="identification_step"),
    path("<int:pk>/identification/assessment/", views.assessment_add, name="assessment_add"),
    path("steps/<int:pk>/objection/", views.objection_add, name="objection_add"),
    path("steps/<int:pk>/notice/", views.notice_print, name="notice_print"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("handover/<int:pk>/", views.cadre_handover, name="handover"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("reveal/<str:field>/<int:pk>/", views.reveal, name="reveal"),
    path("villages/<str:code>/register/", views.village_register, name="village_register"),
    path(
        "villages/<str:code>/register.xlsx",
        views.village_register_xlsx,
        name="village_register_xlsx",
    ),
    path("villages/<str:code>/notice/", views.village_notice, name="village_notice"),
    path("townships/<str:code>/coverage/", views.township_coverage, name="coverage"),
    path(
        "townships/<str:code>/map/",
        views.area_map,
        {"level": Area.Level.TOWNSHIP},
        name="map",
    ),
    path(
        "counties/<str:code>/map/",
        views.area_map,
        {"level": Area.Level.COUNTY},
        name="county_map",
    ),
]
