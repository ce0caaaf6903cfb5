"""Progress dashboards, periodic reports and the monthly circular (mounted at /bureau/progress/)."""

from django.urls import path

from portal.views import progress

urlpatterns = [
    path("", progress.progress_report, name="progress_report"),
    path("report.xlsx", progress.progress_report_xlsx, name="progress_report_xlsx"),
    path("report.pdf", progress.progress_report_pdf, name="progress_report_pdf"),
    path("county/<int:county_id>/", progress.progress_county, name="progress_county"),
    path("circular/", progress.progress_circular, name="progress_circular"),
    path("circular.xlsx", progress.progress_circular_xlsx, name="progress_circular_xlsx"),
    path("circular.pdf", progress.progress_circular_pdf, name="progress_circular_pdf"),
]
