from django.urls import path

from teams import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/", views.team_create, name="create"),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/edit/", views.team_edit, name="edit"),
    path("<int:pk>/board/", views.team_board, name="board"),
    path("<int:pk>/members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/records/", views.record_list, name="records"),
    path("<int:pk>/records/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/six-haves/", views.six_haves, name="six_haves"),
    path("<int:pk>/six-haves/check/", views.six_haves_check, name="six_haves_check"),
    path("six-haves/", views.six_haves_shortfalls, name="six_haves_shortfalls"),
    path("<int:pk>/groups/", views.group_list, name="groups"),
    path("<int:pk>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("<int:pk>/presence/", views.presence, name="presence"),
    path("absences/", views.absences, name="absences"),
]
