"""Problems, referrals, rectification list and building ledgers; mounted at /bureau/problems/."""

from django.urls import path

from portal.views import problems as views

urlpatterns = [
    path("", views.problem_list_view, name="problem_list"),
    path("export.xlsx", views.problem_export, name="problem_export"),
    path("new/<int:building_pk>/", views.problem_create, name="problem_create"),
    path("<int:pk>/", views.problem_detail, name="problem_detail"),
    path("<int:pk>/notice.pdf", views.problem_notice, name="problem_notice"),
    path("<int:pk>/referral.pdf", views.referral_notice, name="referral_notice"),
    path("rectifications/", views.rectification_list_view, name="rectification_list"),
    path("rectifications/export.xlsx", views.rectification_export, name="rectification_export"),
    path("ledger/<int:pk>/", views.building_ledger, name="building_ledger"),
    path("ledger/<int:pk>/ledger.pdf", views.building_ledger_pdf, name="building_ledger_pdf"),
    path("summary/", views.referral_summary, name="referral_summary"),
    path("summary.pdf", views.referral_summary_file, {"fmt": "pdf"}, name="referral_summary_pdf"),
    path(
        "summary.xlsx", views.referral_summary_file, {"fmt": "xlsx"}, name="referral_summary_xlsx"
    ),
]
