"""Firm management (bureau), firm self-service and the public registry, mounted at the site root."""

from django.urls import path

from institutions import views

urlpatterns = [
    path("firms/", views.firm_list, name="firm_list"),
    path("firms/new/", views.firm_create, name="firm_create"),
    path("firms/mine/", views.firm_profile, name="firm_profile"),
    path("firms/<int:pk>/", views.firm_detail, name="firm_detail"),
    path("firms/<int:pk>/edit/", views.firm_edit, name="firm_edit"),
    path(
        "firms/<int:pk>/qualifications/new/",
        views.qualification_create,
        name="qualification_create",
    ),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification_edit"),
    path("firms/<int:pk>/engineers/new/", views.engineer_create, name="engineer_create"),
    path("engineers/<int:pk>/edit/", views.engineer_edit, name="engineer_edit"),
    path("engineers/<int:pk>/deactivate/", views.engineer_deactivate, name="engineer_deactivate"),
    path("registry/", views.firm_registry, name="firm_registry"),
]
