"""Receivers that put changed reports in the search outbox (connected in SearchConfig.ready).

Report states change through `ReportVersion.objects.filter(...).update(...)` (reports.workflow),
which sends no post_save for the version; every change writes a ReportTransition in the same
transaction, so that is the signal we follow. Report, building, photo and firm saves are
followed too, since the index holds their facts. Bulk `.update()`s elsewhere (the ledger
import, for instance) send no signal: call `search.indexing.enqueue_reports` there, or rely
on `manage.py search_reindex`. Hits are re-checked against the database anyway.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save


def _report_transition_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and "accepted" in (instance.from_state, instance.to_state):
        from search.indexing import enqueue_reports

        enqueue_reports([instance.version.report_id])


def _version_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.state == "accepted":
        from search.indexing import enqueue_reports

        enqueue_reports([instance.report_id])


def _report_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from search.indexing import enqueue_reports

    enqueue_reports([instance.pk])


def _photo_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from reports.models import ReportVersion
    from search.indexing import enqueue_reports

    enqueue_reports(
        ReportVersion.objects.filter(pk=instance.version_id, state="accepted").values_list(
            "report_id", flat=True
        )
    )


def _building_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        return
    from reports.models import Report
    from search.indexing import enqueue_reports

    enqueue_reports(
        Report.objects.filter(
            task__building_id=instance.pk, current_version__state="accepted"
        ).values_list("pk", flat=True)
    )


def _firm_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        return
    from reports.models import Report
    from search.indexing import enqueue_reports

    enqueue_reports(
        Report.objects.filter(firm_id=instance.pk, current_version__state="accepted").values_list(
            "pk", flat=True
        )
    )


def connect() -> None:
    from buildings.models import Building
    from institutions.models import AppraisalFirm
    from reports.models import Report, ReportPhoto, ReportTransition, ReportVersion

    post_save.connect(
        _report_transition_saved, sender=ReportTransition, dispatch_uid="search_transition"
    )
    post_save.connect(_version_saved, sender=ReportVersion, dispatch_uid="search_version")
    post_save.connect(_report_changed, sender=Report, dispatch_uid="search_report_saved")
    post_delete.connect(_report_changed, sender=Report, dispatch_uid="search_report_deleted")
    post_save.connect(_photo_saved, sender=ReportPhoto, dispatch_uid="search_photo")
    post_save.connect(_building_saved, sender=Building, dispatch_uid="search_building")
    post_save.connect(_firm_saved, sender=AppraisalFirm, dispatch_uid="search_firm")
