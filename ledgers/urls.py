from django.urls import path

from ledgers import project_views, views

app_name = "ledgers"
urlpatterns = [
    path("projects/", project_views.project_list, name="projects"),
    path("projects/new/", project_views.project_create, name="project_create"),
    path("projects/<int:pk>/", project_views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", project_views.project_edit, name="project_edit"),
    path("projects/<int:pk>/accept/", project_views.project_accept, name="project_accept"),
    path("projects/<int:pk>/pay/", project_views.payment_create, name="payment_create"),
    path("projects/<int:pk>/funds/", project_views.project_funds, name="project_funds"),
    path("projects/<int:pk>/funds.xlsx", project_views.project_funds_xlsx, name="project_xlsx"),
    path("payments/<int:pk>/reverse/", project_views.payment_reverse, name="payment_reverse"),
    path("funds/<str:code>/", project_views.township_funds, name="township_funds"),
    path("funds/<str:code>/xlsx/", project_views.township_funds_xlsx, name="township_xlsx"),
    path("mine/", views.my_households, name="mine"),
    path("mine.xlsx", views.my_households_xlsx, name="mine_xlsx"),
    path("export/", views.export, name="export"),
    path("household/<int:pk>/", views.ledger, name="ledger"),
    path("household/<int:pk>/print/", views.ledger_print, name="print"),
    path("household/<int:pk>/card/", views.household_card, name="card"),
    path("household/<int:pk>/history/", views.ledger_history, name="history"),
    path("household/<int:pk>/<slug:kind>/new/", views.item_create, name="item_create"),
    path("<slug:kind>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<slug:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("visit/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
]
