from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.views import dashboards

handler403 = "portal.views.errors.permission_denied"

account_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
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
