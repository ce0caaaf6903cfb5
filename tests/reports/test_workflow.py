"""Report workflow end to end on real generated PDFs: upload, parse (sandboxed), correct,
submit, return, new version, accept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from buildings.models import Problem
from reports.models import FieldCorrection, ReportState, ReportVersion, TaskState
from reports.workflow import (
    ReportError,
    field_correct,
    version_accept,
    version_parse,
    version_return,
    version_submit,
    version_upload,
)


def upload(case, data: bytes, name="报告.pdf", photos=()):
    return version_upload(
        task=case.task, user=case.member, pdf=SimpleUploadedFile(name, data), photos=list(photos)
    )


def parsed(case, data: bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version, created = upload(case, data)
    assert created
    version.refresh_from_db()
    return version


def test_upload_stores_the_original_under_a_server_key_and_parses_it(
    report_case, django_capture_on_commit_callbacks
):
    data = report_case.render()
    version = parsed(report_case, data, django_capture_on_commit_callbacks)
    assert version.state == ReportState.PARSED, (version.failure_code, version.failure_message)
    assert (
        version.file.name.startswith(f"reports/{report_case.task.pk}/")
        and "报告" not in version.file.name
    )
    with default_storage.open(version.file.name, "rb") as f:
        assert f.read() == data  # original kept unchanged
    assert version.fields["building_no"] == "140802-000777"
    assert version.fields["grade"] == "C"
    assert version.fields["floors"] == 2
    assert version.blocking_problems == []
    assert version.page_count and version.page_count > 1


def test_same_file_twice_is_one_version(report_case, django_capture_on_commit_callbacks):
    data = report_case.render()
    first = parsed(report_case, data, django_capture_on_commit_callbacks)
    again, created = upload(report_case, data, name="another-name.pdf")
    assert (again.pk, created) == (first.pk, False)
    assert ReportVersion.objects.count() == 1


def test_correction_keeps_the_extracted_value_and_revalidates(
    report_case, django_capture_on_commit_callbacks
):
    version = parsed(report_case, report_case.render(), django_capture_on_commit_callbacks)
    field_correct(version=version, user=report_case.member, field="floors", value=3, reason="复核")
    version.refresh_from_db()
    correction = FieldCorrection.objects.get()
    assert (correction.original, correction.value) == (2, 3)
    assert version.fields["floors"] == 3
    assert "ledger_mismatch:floors" in {p["code"] for p in version.problems}
    field_correct(
        version=version, user=report_case.member, field="building_no", value="140802-999999"
    )
    version.refresh_from_db()
    assert "building_mismatch" in {p["code"] for p in version.blocking_problems}
    with pytest.raises(ReportError, match="必须修改"):
        version_submit(version=version, user=report_case.member)


def test_submit_return_new_version_accept(
    report_case, django_capture_on_commit_callbacks, personas
):
    v1 = parsed(report_case, report_case.render(), django_capture_on_commit_callbacks)
    version_submit(version=v1, user=report_case.member)
    report_case.task.refresh_from_db()
    assert report_case.task.state == TaskState.SUBMITTED
    with pytest.raises(ReportError, match="不能上传报告"):
        upload(report_case, report_case.render("numbered_arabic"))
    with pytest.raises(ReportError, match="意见"):
        version_return(version=v1, user=personas.city_bureau, comment=" ")
    version_return(version=v1, user=personas.city_bureau, comment="请补充抗震验算")
    report_case.task.refresh_from_db()
    assert report_case.task.state == TaskState.RETURNED

    v2 = parsed(
        report_case, report_case.render("numbered_arabic"), django_capture_on_commit_callbacks
    )
    v1.refresh_from_db()
    assert (v1.state, v2.number) == (ReportState.SUPERSEDED, 2)
    version_submit(version=v2, user=report_case.member)
    version_accept(version=v2, user=personas.county_bureau)
    report_case.task.refresh_from_db()
    report_case.building.refresh_from_db()
    v2.report.refresh_from_db()
    assert report_case.task.state == TaskState.APPROVED
    assert len(v2.report.verification_code) == 10
    assert (report_case.building.appraisal_grade, report_case.building.control_required) == (
        "C",
        True,
    )
    # A C or D conclusion is registered (挂号) as a house-safety problem of the building.
    problems = list(Problem.objects.filter(building=report_case.building))
    assert [(p.category, p.source) for p in problems] == [("house_safety", "鉴定")]
    trail = [(t.from_state, t.to_state) for t in v2.transitions.all()]
    assert trail[-2:] == [("parsed", "submitted"), ("submitted", "accepted")]


def test_firm_eligibility_is_checked_again_at_submission(
    report_case, django_capture_on_commit_callbacks
):
    version = parsed(report_case, report_case.render(), django_capture_on_commit_callbacks)
    report_case.firm.qualifications.update(valid_to=dt.date(2026, 10, 1))
    with pytest.raises(ReportError, match="不具备承接条件"):
        version_submit(version=version, user=report_case.member)


def test_an_unreadable_pdf_fails_parsing_with_a_chinese_reason_and_is_kept(
    report_case, django_capture_on_commit_callbacks
):
    data = report_case.render()
    version = parsed(report_case, data[: len(data) // 2], django_capture_on_commit_callbacks)
    assert version.state == ReportState.PARSE_FAILED
    assert version.failure_code.startswith("unreadable:")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in version.failure_message)
    assert default_storage.exists(version.file.name)


def test_a_parse_that_exceeds_its_memory_limit_fails_cleanly(
    report_case, django_capture_on_commit_callbacks
):
    with override_settings(REPORTS={**settings.REPORTS, "parse_memory_bytes": 20 * 1024 * 1024}):
        version = parsed(report_case, report_case.render(), django_capture_on_commit_callbacks)
    assert version.state == ReportState.PARSE_FAILED
    assert version.failure_code in ("too_large:memory", "parse_crashed")


def test_a_parse_whose_worker_died_is_taken_again(report_case):
    version, _ = upload(report_case, report_case.render())
    ReportVersion.objects.filter(pk=version.pk).update(
        state=ReportState.PARSING,
        parse_started_at=timezone.now() - dt.timedelta(hours=1),
        parse_attempts=1,
    )
    version_parse(version.pk)
    version.refresh_from_db()
    assert version.state == ReportState.PARSED and version.parse_attempts == 2
    version_parse(version.pk)  # a repeated run does nothing
    version.refresh_from_db()
    assert version.parse_attempts == 2
