"""API v1 under /api/v1/, the token page under /api/token/; anything else under /api/ is a
JSON 404."""

from __future__ import annotations

from django.urls import include, path, re_path, register_converter

from portal.api.errors import not_found
from portal.api.views import buildings, reports, schema, tasks, tokens


class IdConverter:
    """A positive row id that fits a 64-bit column; longer digit runs match nothing (404)
    instead of overflowing the database driver."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

v1 = [
    path("tasks/", tasks.TaskList.as_view(), name="api_tasks"),
    path("tasks/claim-next/", tasks.TaskClaimNext.as_view(), name="api_task_claim_next"),
    path("tasks/<id:pk>/", tasks.TaskDetail.as_view(), name="api_task"),
    path("tasks/<id:pk>/accept/", tasks.TaskAccept.as_view(), name="api_task_accept"),
    path("tasks/<id:pk>/decline/", tasks.TaskDecline.as_view(), name="api_task_decline"),
    path("tasks/<id:pk>/claim/", tasks.TaskClaim.as_view(), name="api_task_claim"),
    path("tasks/<id:pk>/report/", reports.TaskReportUpload.as_view(), name="api_report_upload"),
    path("versions/<id:pk>/", reports.VersionStatus.as_view(), name="api_version"),
    path("versions/<id:pk>/submit/", reports.VersionSubmit.as_view(), name="api_version_submit"),
    path("reports/", reports.ReportList.as_view(), name="api_reports"),
    path("reports/<id:pk>/", reports.ReportDetail.as_view(), name="api_report"),
    path("buildings/", buildings.BuildingList.as_view(), name="api_buildings"),
    path("buildings/<id:pk>/", buildings.BuildingDetail.as_view(), name="api_building"),
    path("schema/", schema.SchemaView.as_view(), name="api_schema"),
    path("docs/", schema.api_docs, name="api_docs"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("token/", tokens.api_token, name="api_token"),
    # [\s\S], not ".": a path with an encoded newline is an address too.
    re_path(r"^[\s\S]*$", not_found),
]
