from django.urls import path

from ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("mine/", views.my_households, name="mine"),
    path("export/", views.export, name="export"),
    path("household/<int:pk>/", views.ledger, name="ledger"),
    path("household/<int:pk>/print/", views.ledger_print, name="print"),
    path("household/<int:pk>/history/", views.ledger_history, name="history"),
    path("household/<int:pk>/<slug:kind>/new/", views.item_create, name="item_create"),
    path("<slug:kind>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<slug:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("visit/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
]
