"""Supervision (督导), required actions and 约谈/通报 records; mounted at /bureau/supervision/."""

from django.urls import path

from portal.views import supervision as views

urlpatterns = [
    path("", views.supervision_list, name="supervision_list"),
    path("new/", views.supervision_create, name="supervision_create"),
    path("<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("actions/", views.action_list, name="supervision_actions"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("accountability/new/", views.accountability_create_view, name="accountability_create"),
    path("accountability/<int:pk>/", views.accountability_detail, name="accountability_detail"),
]
