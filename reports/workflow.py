"""Every report state change: upload, parse, correct, submit, accept, return.

Uploads commit the file and the record; parsing runs afterwards in a background task (and in
a child process, see reports.parsing). Each change writes its audit row in the same
transaction and moves the task along through reports.assignments.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from buildings.models import Building
from buildings.problem_ledger import register_from_report
from portal.notifications import notify_report_returned
from reports.assignments import task_follow_report
from reports.models import (
    FieldCorrection,
    Report,
    ReportPhoto,
    ReportState,
    ReportTransition,
    ReportVersion,
    TaskState,
)
from reports.models.documents import DRAFT_STATES, new_verification_code
from reports.parsing import CRASHED, ParseFailure, local_copy, run_pipeline
from reports.pipeline.fields import CONTRACT_FIELDS
from reports.pipeline.problems import ACTIVE_CONTENT
from reports.uploads import UploadRejected, check_pdf, process_photo, raw_sha256, store
from reports.validation import platform_problems

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import User
    from reports.models import AppraisalTask

log = logging.getLogger(__name__)


class ReportError(Exception):
    """A refused report action; the message is shown to the user as is (Chinese)."""


UPLOADABLE_TASK_STATES = (TaskState.ACCEPTED, TaskState.RETURNED)


def _transition(
    version: ReportVersion, from_state: str, actor: User | None, comment: str = ""
) -> None:
    ReportTransition.objects.create(
        version=version, from_state=from_state, to_state=version.state, actor=actor, comment=comment
    )


def _set_state(
    version: ReportVersion,
    to: str,
    *,
    expected: tuple[str, ...],
    actor: User | None,
    comment: str = "",
    **fields: Any,
) -> None:
    """Conditional state change: a concurrent change makes it match nothing."""
    from_state = version.state
    if from_state not in expected:
        raise ReportError(f"报告当前状态为“{version.get_state_display()}”，不能执行此操作。")
    updated = ReportVersion.objects.filter(pk=version.pk, state=from_state).update(
        state=to, **fields
    )
    if updated != 1:
        raise ReportError("报告状态已被他人更改，请刷新页面后重试。")
    version.state = to
    for name, value in fields.items():
        setattr(version, name, value)
    _transition(version, from_state, actor, comment)


# ---------------------------------------------------------------- upload


def version_upload(
    *, task: AppraisalTask, user: User, pdf: UploadedFile, photos: list[UploadedFile] = ()
) -> tuple[ReportVersion, bool]:
    """Store a new version of the task's report. Returns (version, created).

    The same bytes uploaded again to this task return the existing version (created False).
    Files are stored before the transaction and deleted again if it fails, so no record is
    ever left without its file and no file without its record.
    """
    if task.firm_id is None or task.firm_id != user.firm_id:
        raise ReportError("该任务未派给您的机构。")
    if task.state not in UPLOADABLE_TASK_STATES:
        raise ReportError(f"任务当前状态为“{task.get_state_display()}”，不能上传报告。")
    if len(photos) > settings.REPORTS["max_photos"]:
        raise UploadRejected(f"一次最多上传{settings.REPORTS['max_photos']}张照片。")
    checked = check_pdf(pdf)
    existing = ReportVersion.objects.filter(report__task=task, sha256=checked.sha256).first()
    if existing is not None:
        return existing, False

    # The same photo picked twice is one photo: duplicates are dropped by the hash of the raw
    # upload before anything is stored, so no derivative is written that no row will name.
    unique: dict[str, UploadedFile] = {}
    for photo in photos:
        unique.setdefault(raw_sha256(photo), photo)

    stored: list[str] = []
    try:
        key = store(checked.file, folder=f"reports/{task.pk}", suffix=".pdf")
        stored.append(key)
        processed = []
        for photo in unique.values():
            p = process_photo(photo, folder=f"photos/{task.pk}")
            stored += [p.original_key, p.image_key, p.thumbnail_key]
            processed.append(p)
        version = _create_version(task, user, key, checked, processed)
    except IntegrityError as e:
        # Most often a concurrent upload of the same bytes won the (report, sha256) race.
        _delete(stored)
        existing = ReportVersion.objects.filter(report__task=task, sha256=checked.sha256).first()
        if existing is None:
            log.warning("upload to task %s failed on a constraint: %s", task.pk, e)
            raise ReportError("报告保存时与其他操作冲突，本次上传未保存，请刷新页面后重试。") from e
        return existing, False
    except BaseException:
        _delete(stored)
        raise
    return version, True


@transaction.atomic
def _create_version(
    task: AppraisalTask, user: User, key: str, checked: Any, photos: list[Any]
) -> ReportVersion:
    report, _ = Report.objects.get_or_create(task=task, defaults={"firm_id": task.firm_id})
    report = Report.objects.select_for_update().get(pk=report.pk)
    current = report.current_version
    if current is not None and current.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
        raise ReportError(f"报告{current.get_state_display()}，不能再上传新版本。")
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ReportVersion.objects.create(
        report=report,
        number=number,
        file=key,
        original_name=checked.name,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    _transition(version, "", user, "上传报告")
    ReportPhoto.objects.bulk_create(
        ReportPhoto(
            version=version,
            original=p.original_key,
            image=p.image_key,
            thumbnail=p.thumbnail_key,
            original_name=p.name,
            sha256=p.sha256,
            width=p.width,
            height=p.height,
        )
        for p in photos
    )
    if current is not None and current.state in (*DRAFT_STATES, ReportState.RETURNED):
        _set_state(
            current,
            ReportState.SUPERSEDED,
            expected=(current.state,),
            actor=user,
            comment=f"被版本{number}替代",
        )
    report.current_version = version
    report.save(update_fields=["current_version"])
    transaction.on_commit(lambda: enqueue_parse(version.pk))
    return version


def _delete(keys: list[str]) -> None:
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:
            log.exception("could not delete %s after a failed upload", key)


def enqueue_parse(version_id: int) -> None:
    from reports.tasks import parse_report_version

    parse_report_version.enqueue(version_id)


# ---------------------------------------------------------------- parse


def version_parse(version_id: int) -> None:
    """Parse one version. Idempotent: only an uploaded version, or one whose parse went stale
    (its worker died), is claimed; a concurrent or repeated call does nothing."""
    limits = settings.REPORTS
    now = timezone.now()
    stale = now - dt.timedelta(seconds=limits["parse_stale_seconds"])
    claimed = ReportVersion.objects.filter(
        Q(state=ReportState.UPLOADED) | Q(state=ReportState.PARSING, parse_started_at__lt=stale),
        pk=version_id,
    ).update(
        state=ReportState.PARSING, parse_started_at=now, parse_attempts=F("parse_attempts") + 1
    )
    if claimed != 1:
        return
    version = ReportVersion.objects.select_related("report__task__building", "report__firm").get(
        pk=version_id
    )
    # A first attempt starts from "uploaded"; a later one takes over a stale "parsing".
    ReportTransition.objects.create(
        version=version,
        from_state=ReportState.UPLOADED if version.parse_attempts == 1 else ReportState.PARSING,
        to_state=ReportState.PARSING,
    )
    if version.parse_attempts > limits["parse_max_attempts"]:
        _fail(version, ParseFailure("parse_gave_up", "多次解析均未完成，请检查文件后重新上传。"))
        return
    try:
        with local_copy(version.file.name) as path:
            data = run_pipeline(path)
    except ParseFailure as failure:
        _fail(version, failure)
        return
    except Exception:  # storage or process errors must end in a state, not a stuck parse
        log.exception("parsing version %s failed unexpectedly", version_id)
        _fail(version, CRASHED)
        return
    _store_result(version, data)


def _fail(version: ReportVersion, failure: ParseFailure) -> None:
    with transaction.atomic():
        _set_state(
            version,
            ReportState.PARSE_FAILED,
            expected=(ReportState.PARSING,),
            actor=None,
            comment=failure.message,
            failure_code=failure.code,
            failure_message=failure.message,
            parsed_at=timezone.now(),
        )


# Problems that mean the file could not be read at all: the version fails parsing.
FATAL_PREFIXES = ("unreadable:", "too_large:", "ocr_unavailable")


def _store_result(version: ReportVersion, data: dict[str, Any]) -> None:
    problems = data.get("problems") or []
    fatal = [p for p in problems if str(p.get("code", "")).startswith(FATAL_PREFIXES)]
    if fatal:
        _fail(version, ParseFailure(fatal[0]["code"], fatal[0].get("message") or "文件无法读取。"))
        return
    fields = {name: data.get(name) for name in CONTRACT_FIELDS}
    # Policy: a PDF with scripts or embedded files is kept (it is never executed or served
    # inline) but the flag goes into the version's audit trail, where reviewers see it.
    active = [p for p in problems if p.get("code") == ACTIVE_CONTENT]
    comment = active[0].get("message", "") if active else ""
    with transaction.atomic():
        version.extracted = data
        version.fields = fields
        version.problems = revalidate(version, fields)
        _set_state(
            version,
            ReportState.PARSED,
            expected=(ReportState.PARSING,),
            actor=None,
            comment=comment[:300],
            extracted=data,
            fields=fields,
            problems=version.problems,
            page_count=data.get("page_count"),
            used_ocr=bool(data.get("used_ocr")),
            parsed_at=timezone.now(),
        )


def revalidate(version: ReportVersion, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Document rules (from the pipeline) and platform rules over the current field values."""
    from reports.pipeline import validate_fields

    document = validate_fields(version.extracted, fields)
    return document + platform_problems(version, fields)


# ---------------------------------------------------------------- correct and submit


EDITABLE_STATES = (ReportState.PARSED,)


@transaction.atomic
def field_correct(
    *, version: ReportVersion, user: User, field: str, value: Any, reason: str = ""
) -> ReportVersion:
    _own_version(version, user)
    if field not in CONTRACT_FIELDS:
        raise ReportError("该字段不可更正。")
    version = (
        ReportVersion.objects.select_for_update()
        .select_related("report__task__building", "report__firm")
        .get(pk=version.pk)
    )
    if version.state not in EDITABLE_STATES:
        raise ReportError(f"报告当前状态为“{version.get_state_display()}”，不能更正字段。")
    original = version.extracted.get(field)
    if version.fields.get(field) == value:
        raise ReportError("更正值与当前值相同。")
    FieldCorrection.objects.create(
        version=version,
        field=field,
        original=original,
        value=value,
        reason=reason,
        corrected_by=user,
    )
    version.fields = {**version.fields, field: value}
    version.problems = revalidate(version, version.fields)
    version.save(update_fields=["fields", "problems"])
    return version


@transaction.atomic
def version_submit(*, version: ReportVersion, user: User) -> ReportVersion:
    _own_version(version, user)
    version = (
        ReportVersion.objects.select_for_update()
        .select_related("report__task__building", "report__firm")
        .get(pk=version.pk)
    )
    if version.report.current_version_id != version.pk:
        raise ReportError("只能提交最新版本的报告。")
    # Eligibility and the ledger may have changed since parsing: check again now.
    version.problems = revalidate(version, version.fields)
    version.save(update_fields=["problems"])
    if version.blocking_problems:
        raise ReportError(
            "还有必须修改的问题，不能提交："
            + "；".join(p["message"] for p in version.blocking_problems[:3])
        )
    _set_state(
        version,
        ReportState.SUBMITTED,
        expected=(ReportState.PARSED,),
        actor=user,
        comment="提交审核",
        submitted_at=timezone.now(),
    )
    task_follow_report(
        task=version.report.task,
        to=TaskState.SUBMITTED,
        actor=user,
        reason=f"提交报告版本{version.number}",
    )
    return version


def _own_version(version: ReportVersion, user: User) -> None:
    if version.report.firm_id != user.firm_id:
        raise ReportError("这不是本机构的报告。")


# ---------------------------------------------------------------- review


CONTROL_GRADES = ("C", "D")


@transaction.atomic
def version_accept(*, version: ReportVersion, user: User, comment: str = "") -> ReportVersion:
    version = (
        ReportVersion.objects.select_for_update()
        .select_related("report__task__building")
        .get(pk=version.pk)
    )
    now = timezone.now()
    _set_state(version, ReportState.ACCEPTED, expected=(ReportState.SUBMITTED,), actor=user, comment=comment or "审核通过",
               reviewed_at=now, reviewed_by=user, review_comment=comment)  # fmt: skip
    report = version.report
    if not report.verification_code:
        report.verification_code = _unique_code()
    report.accepted_at = now
    report.save(update_fields=["verification_code", "accepted_at"])
    task_follow_report(
        task=report.task,
        to=TaskState.APPROVED,
        actor=user,
        reason=f"报告版本{version.number}审核通过",
    )
    grade = (version.fields.get("grade") or "").upper()
    building = report.task.building
    requires_control = grade in CONTROL_GRADES
    Building.objects.filter(pk=building.pk).update(
        appraisal_grade=grade[:1],
        control_required=requires_control or building.control_required,
        control_required_since=timezone.localdate()
        if requires_control and not building.control_required
        else building.control_required_since,
    )
    register_from_report(version, user)
    return version


def _unique_code() -> str:
    while True:
        code = new_verification_code()
        if not Report.objects.filter(verification_code=code).exists():
            return code


@transaction.atomic
def version_return(*, version: ReportVersion, user: User, comment: str) -> ReportVersion:
    if not comment.strip():
        raise ReportError("退回须填写意见，说明需要修改的内容。")
    version = (
        ReportVersion.objects.select_for_update().select_related("report__task").get(pk=version.pk)
    )
    _set_state(version, ReportState.RETURNED, expected=(ReportState.SUBMITTED,), actor=user, comment=comment,
               reviewed_at=timezone.now(), reviewed_by=user, review_comment=comment)  # fmt: skip
    task_follow_report(
        task=version.report.task,
        to=TaskState.RETURNED,
        actor=user,
        reason=f"报告版本{version.number}退回：{comment[:100]}",
    )
    notify_report_returned(version)
    return version


def stale_versions() -> list[int]:
    """Versions whose parse never finished (worker killed) or never started (enqueue lost)."""
    stale = timezone.now() - dt.timedelta(seconds=settings.REPORTS["parse_stale_seconds"])
    return list(
        ReportVersion.objects.filter(
            Q(state=ReportState.PARSING, parse_started_at__lt=stale)
            | Q(state=ReportState.UPLOADED, uploaded_at__lt=stale)
        ).values_list("pk", flat=True)
    )
