from django.urls import path

from search import views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("export/", views.search_export, name="search_export"),
    path("similar/<int:pk>/", views.similar_fragment, name="search_similar"),
    path("copies/", views.copy_list, name="search_copies"),
    path("copies/<int:pk>/", views.copy_detail, name="search_copy_detail"),
    path("copies/<int:pk>/review/", views.copy_review, name="search_copy_review"),
]
