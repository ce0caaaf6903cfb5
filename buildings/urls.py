"""Bureau ledger pages, mounted at /bureau/ledger/."""

from django.urls import path

from buildings import views

urlpatterns = [
    path("", views.ledger_import, name="ledger_import"),
    path("<int:pk>/", views.ledger_import_detail, name="ledger_import_detail"),
    path("<int:pk>/errors.xlsx", views.ledger_import_errors, name="ledger_import_errors"),
]
