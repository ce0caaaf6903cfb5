from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.views import accounts, buildings, control, dashboards, queue, reports, tasks
from portal.views.verify import report_qr, verify

handler403 = "portal.views.errors.permission_denied"

account_patterns = [
    path("login/", accounts.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
]

urlpatterns = [
    path("accounts/", include(account_patterns)),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("firm/", dashboards.firm_dashboard, name="firm_dashboard"),
    path("bureau/", dashboards.bureau_dashboard, name="bureau_dashboard"),
    path("review/", dashboards.reviewer_dashboard, name="reviewer_dashboard"),
    path("site-admin/", dashboards.admin_dashboard, name="admin_dashboard"),
    path("bureau/ledger/", include("buildings.urls")),
    path("bureau/buildings/", buildings.building_list_view, name="building_list"),
    path("bureau/buildings/bulk/", buildings.building_bulk_action, name="building_bulk_action"),
    path("bureau/buildings/<int:pk>/", buildings.building_detail, name="building_detail"),
    path("bureau/buildings/<int:pk>/recheck/", buildings.building_recheck, name="building_recheck"),
    path("bureau/buildings/<int:pk>/control/", control.building_control, name="building_control"),
    path("bureau/control/uncontrolled/", control.uncontrolled_list, name="uncontrolled_list"),
    path(
        "bureau/control/photos/<str:kind>/<int:pk>/<int:index>/",
        control.control_photo,
        name="control_photo",
    ),
    path(
        "bureau/buildings/<int:building_pk>/tasks/new/", tasks.task_create_view, name="task_create"
    ),
    path("bureau/tasks/", tasks.task_list, name="task_list"),
    path("bureau/tasks/deadlines/", tasks.task_deadlines, name="task_deadlines"),
    path("bureau/tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("bureau/tasks/<int:pk>/edit/", tasks.task_edit_view, name="task_edit"),
    path("bureau/tasks/<int:pk>/assign/", tasks.task_assign_view, name="task_assign"),
    path("bureau/tasks/<int:pk>/withdraw/", tasks.task_withdraw_view, name="task_withdraw"),
    path("firm/tasks/", queue.firm_tasks, name="firm_tasks"),
    path("firm/tasks/claim-next/", queue.firm_claim_next, name="firm_claim_next"),
    path("firm/tasks/<int:pk>/", queue.firm_task_detail, name="firm_task_detail"),
    path("firm/tasks/<int:pk>/accept/", queue.firm_task_accept, name="firm_task_accept"),
    path("firm/tasks/<int:pk>/decline/", queue.firm_task_decline, name="firm_task_decline"),
    path("firm/tasks/<int:pk>/claim/", queue.firm_task_claim, name="firm_task_claim"),
    path("firm/tasks/<int:task_pk>/upload/", reports.report_upload, name="report_upload"),
    path("reports/<int:pk>/", reports.report_version, name="report_version"),
    path("reports/<int:pk>/status/", reports.report_version_status, name="report_version_status"),
    path("reports/<int:pk>/correct/", reports.report_correct, name="report_correct"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("reports/<int:pk>/file/", reports.report_file, name="report_file"),
    path("reports/<int:pk>/pages/<int:number>.png", reports.report_page, name="report_page"),
    path("verify/", verify, name="verify"),
    path("reports/<int:pk>/qr.svg", report_qr, name="report_qr"),
    path("reports/photos/<int:pk>/<str:kind>/", reports.report_photo, name="report_photo"),
    path("bureau/reports/", reports.review_list, name="review_list"),
    path("bureau/problems/", include("buildings.problem_urls")),
    path("bureau/progress/", include("portal.progress_urls")),
    path("bureau/supervision/", include("portal.supervision_urls")),
    path("api/", include("portal.api.urls")),
    path("search/", include("search.urls")),
    path("", include("institutions.urls")),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# Wagtail's page serving catches everything else, so it goes last.
urlpatterns += [path("", include(wagtail_urls))]
