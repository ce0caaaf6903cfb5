"""Every task state change goes through this module (create, assign, accept, decline, claim).

Each change is a conditional UPDATE on (state, version) plus an audit row, in one transaction:
a concurrent change makes the UPDATE match nothing and the caller gets TaskConflict.
Eligibility is decided only by institutions.eligibility.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from institutions.eligibility import FirmCapability, cached_firm_capability, firm_capability
from portal.notifications import notify_task_offered
from reports.campaign import plan_task
from reports.models import (
    FIRM_LOAD_STATES,
    UNCONCLUDED_STATES,
    AppraisalTask,
    AppraisalType,
    TaskState,
    TaskTransition,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from buildings.models import Building
    from institutions.models import AppraisalFirm
    from portal.models import User
    from reports.models import AppraisalTaskQuerySet


# Refusals that look like someone acting on a task not theirs go to the security log, which
# lives outside the database, so the record survives the rolled-back transaction.
security_log = logging.getLogger("portal.security")


class TaskError(Exception):
    """A refused task action; the message is shown to the user as is (Chinese)."""


class TaskConflict(TaskError):
    pass


CONFLICT_MESSAGE = "该任务已被他人处理或修改，请刷新页面后重试。"


def _record(task: AppraisalTask, from_state: str, actor: User | None, reason: str = "") -> None:
    TaskTransition.objects.create(
        task=task,
        from_state=from_state,
        to_state=task.state,
        firm=task.firm,
        actor=actor,
        reason=reason,
    )


def _move(
    task: AppraisalTask,
    *,
    expected: Iterable[str],
    to: str,
    actor: User | None,
    firm: AppraisalFirm | None,
    reason: str = "",
) -> AppraisalTask:
    from_state = task.state
    if from_state not in expected:
        raise TaskError(f"任务当前状态为“{task.get_state_display()}”，不能执行此操作。")
    updated = AppraisalTask.objects.filter(
        pk=task.pk, state=from_state, version=task.version
    ).update(state=to, firm=firm, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        raise TaskConflict(CONFLICT_MESSAGE)
    task.state, task.firm, task.version = to, firm, task.version + 1
    _record(task, from_state, actor, reason)
    return task


def _new_task(
    building: Building, actor: User | None, today: dt.date, appraisal_type: str | None, reason: str
) -> AppraisalTask:
    plan = plan_task(building, today)
    chosen = appraisal_type or plan.suggested_type
    if chosen not in AppraisalType.values:
        raise TaskError("未知的任务类型。")
    if chosen != plan.suggested_type and not reason.strip():
        raise TaskError(f"系统建议“{plan.suggested_type}”，调整为“{chosen}”须填写理由。")
    return AppraisalTask(
        building=building,
        appraisal_type=chosen,
        suggested_type=plan.suggested_type,
        type_override_reason=reason.strip() if chosen != plan.suggested_type else "",
        deadline_class=plan.deadline_class,
        due_date=plan.due_date,
        priority=plan.priority,
        created_by=actor,
    )


@transaction.atomic
def task_create(
    *,
    building: Building,
    actor: User | None,
    appraisal_type: str | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
) -> AppraisalTask:
    today = today or timezone.localdate()
    task = _new_task(building, actor, today, appraisal_type, override_reason)
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError as e:
        raise TaskError(f"房屋 {building.building_no} 已有未办结的鉴定任务。") from e
    _record(task, "", actor, "创建任务")
    return task


@transaction.atomic
def tasks_create_bulk(
    *, buildings: Iterable[Building], actor: User | None, today: dt.date | None = None
) -> tuple[int, int]:
    """Create tasks (suggested type) for buildings without an active task. Returns (created, skipped)."""
    today = today or timezone.localdate()
    buildings = list(buildings)
    busy = set(
        AppraisalTask.objects.filter(building__in=buildings)
        .exclude(state__in=[TaskState.APPROVED, TaskState.CLOSED])
        .values_list("building_id", flat=True)
    )
    new = [_new_task(b, actor, today, None, "") for b in buildings if b.pk not in busy]
    created = AppraisalTask.objects.bulk_create(new, batch_size=500)
    if created and created[0].pk is None:  # backends without RETURNING
        created = list(
            AppraisalTask.objects.filter(building__in=[t.building for t in new]).exclude(
                state__in=[TaskState.APPROVED, TaskState.CLOSED]
            )
        )
    TaskTransition.objects.bulk_create(
        [
            TaskTransition(
                task=t, from_state="", to_state=TaskState.OPEN, actor=actor, reason="批量创建任务"
            )
            for t in created
        ],
        batch_size=500,
    )
    return len(created), len(buildings) - len(new)


def _check_eligible(task: AppraisalTask, firm: AppraisalFirm, on: dt.date) -> None:
    refusals = firm_capability(firm, on).refusals(task.building)
    if refusals:
        raise TaskError(
            f"{firm.name}不能承接此任务：" + "；".join(r.message for r in refusals) + "。"
        )


@transaction.atomic
def task_assign(
    *, task: AppraisalTask, firm: AppraisalFirm, actor: User, on: dt.date | None = None
) -> AppraisalTask:
    """Bureau offers an open task to an eligible firm (派单); the firm accepts or declines."""
    _check_eligible(task, firm, on or timezone.localdate())
    task = _move(
        task, expected=[TaskState.OPEN], to=TaskState.OFFERED, actor=actor, firm=firm, reason="派单"
    )
    notify_task_offered(task)
    return task


@transaction.atomic
def task_withdraw(*, task: AppraisalTask, actor: User, reason: str) -> AppraisalTask:
    """Bureau takes an offered task back into the open pool."""
    if not reason.strip():
        raise TaskError("撤回派单须填写原因。")
    return _move(
        task, expected=[TaskState.OFFERED], to=TaskState.OPEN, actor=actor, firm=None, reason=reason
    )


@transaction.atomic
def task_edit(
    *, task: AppraisalTask, actor: User, due_date: dt.date, note: str, reason: str = ""
) -> AppraisalTask:
    """Bureau changes the due date or the note of an unconcluded task.

    `task.version` is the version the editor's page showed: a save over a change made
    meanwhile matches nothing and is a TaskConflict (no lost update). Audited like a
    transition, with the state unchanged.
    """
    if task.state not in UNCONCLUDED_STATES:
        raise TaskError(f"任务当前状态为“{task.get_state_display()}”，不能修改。")
    note, reason = note.strip(), reason.strip()
    if len(note) > AppraisalTask._meta.get_field("note").max_length:
        raise TaskError("备注不能超过200字。")
    changes = []
    if due_date != task.due_date:
        if not reason:
            raise TaskError("调整完成时限须填写理由。")
        changes.append(f"完成时限 {task.due_date:%Y-%m-%d} → {due_date:%Y-%m-%d}")
    if note != task.note:
        changes.append("修改备注")
    if not changes:
        raise TaskError("没有需要保存的修改。")
    updated = AppraisalTask.objects.filter(
        pk=task.pk, state=task.state, version=task.version
    ).update(due_date=due_date, note=note, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        raise TaskConflict(CONFLICT_MESSAGE)
    task.due_date, task.note, task.version = due_date, note, task.version + 1
    limit = TaskTransition._meta.get_field("reason").max_length
    _record(
        task, task.state, actor, ("；".join(changes) + (f"：{reason}" if reason else ""))[:limit]
    )
    return task


def task_follow_report(*, task: AppraisalTask, to: str, actor: User, reason: str) -> AppraisalTask:
    """Move a task along with its report (submitted, returned, approved); audited like the rest."""
    expected = {
        TaskState.SUBMITTED: [TaskState.ACCEPTED, TaskState.RETURNED],
        TaskState.RETURNED: [TaskState.SUBMITTED],
        TaskState.APPROVED: [TaskState.SUBMITTED],
    }[to]
    task.refresh_from_db(fields=["state", "version", "firm"])
    return _move(task, expected=expected, to=to, actor=actor, firm=task.firm, reason=reason)


@transaction.atomic
def task_close(*, task: AppraisalTask, actor: User, reason: str = "办结") -> AppraisalTask:
    """Bureau closes a task whose report was accepted (办结)."""
    return _move(
        task,
        expected=[TaskState.APPROVED],
        to=TaskState.CLOSED,
        actor=actor,
        firm=task.firm,
        reason=reason,
    )


def _own_task(task: AppraisalTask, user: User) -> None:
    if task.firm_id is None or task.firm_id != user.firm_id:
        security_log.warning(
            "denied task action: user=%s firm=%s task=%s task_firm=%s",
            user.pk,
            user.firm_id,
            task.pk,
            task.firm_id,
        )
        raise TaskError("该任务未派给您的机构。")


@transaction.atomic
def task_accept(*, task: AppraisalTask, user: User) -> AppraisalTask:
    _own_task(task, user)
    return _move(
        task,
        expected=[TaskState.OFFERED],
        to=TaskState.ACCEPTED,
        actor=user,
        firm=task.firm,
        reason="接受任务",
    )


@transaction.atomic
def task_decline(*, task: AppraisalTask, user: User, reason: str) -> AppraisalTask:
    _own_task(task, user)
    if not reason.strip():
        raise TaskError("拒绝任务须填写原因。")
    return _move(
        task, expected=[TaskState.OFFERED], to=TaskState.OPEN, actor=user, firm=None, reason=reason
    )


def task_claim(*, task: AppraisalTask, user: User, on: dt.date | None = None) -> AppraisalTask:
    """A firm takes one specific task from the open pool."""
    with transaction.atomic():
        firm = _lock_firm(user)
        task = (
            AppraisalTask.objects.select_for_update()
            .select_related("building__county")
            .get(pk=task.pk)
        )
        if task.state != TaskState.OPEN:
            raise TaskConflict("该任务已被其他机构领取或已派单。")
        _check_eligible(task, firm, on or timezone.localdate())
        return _move(
            task,
            expected=[TaskState.OPEN],
            to=TaskState.ACCEPTED,
            actor=user,
            firm=firm,
            reason="从任务池领取",
        )


def task_claim_next(*, user: User, on: dt.date | None = None) -> AppraisalTask | None:
    """Take the first open task, in queue order, that the user's firm may take; None if none.

    Rows locked by a concurrent claimer are skipped (SKIP LOCKED), so claimers never wait on
    or collide with each other. The firm row lock makes the capacity check and the claim one
    step for claimers of the same firm. On PostgreSQL the pick, the update and the audit row
    are one statement (the hot path of the queue); elsewhere the ORM path does the same.
    """
    if user.firm_id is None:
        raise TaskError("只有鉴定机构人员可以领取任务。")
    on = on or timezone.localdate()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _claim_in_one_statement(user, on)
        firm = _lock_firm(user)
        capability = firm_capability(firm, on)
        if not capability.has_capacity:
            return None
        candidate = _candidates(capability).first()
        if candidate is None:
            return None
        return _move(
            candidate,
            expected=[TaskState.OPEN],
            to=TaskState.ACCEPTED,
            actor=user,
            firm=firm,
            reason=CLAIM_NEXT,
        )


CLAIM_NEXT = "领取下一个任务"


def _candidates(capability: FirmCapability) -> AppraisalTaskQuerySet:
    """Open tasks the firm may take, in queue order, skipping rows other claimers hold."""
    return (
        AppraisalTask.objects.filter(
            capability.task_filter(count_capacity=False), state=TaskState.OPEN
        )
        .in_queue_order()
        .select_for_update(skip_locked=True, of=("self",))
    )


# Compiled candidate SELECTs per cached capability: compiling the queryset costs more than
# running it.
_pick_sql: dict[int, tuple[FirmCapability, str, tuple]] = {}


def _claim_in_one_statement(user: User, on: dt.date) -> AppraisalTask | None:
    """Lock the firm, then pick, move and audit the head of its candidates in one statement.

    The candidate SELECT (eligibility filter, queue order, FOR UPDATE SKIP LOCKED) is compiled
    by the ORM from `_candidates`, the queryset the other backends run; this only wraps it.
    The capacity count runs after the firm lock, in a fresh snapshot, so claimers of one
    firm cannot overshoot it.
    """
    from institutions.models import AppraisalFirm

    firms = AppraisalFirm._meta.db_table
    tasks = AppraisalTask._meta.db_table
    audit = TaskTransition._meta.db_table
    concrete = AppraisalTask._meta.concrete_fields
    fields = [f.attname for f in concrete]
    columns = ", ".join(f't."{f.column}"' for f in concrete)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {firms} WHERE id = %s FOR UPDATE", [user.firm_id])  # noqa: S608
        capability = cached_firm_capability(user.firm, on)
        cached = _pick_sql.get(user.firm_id)
        if cached is None or cached[0] is not capability:
            sql, params = _candidates(capability).values("id")[:1].query.sql_with_params()
            cached = _pick_sql[user.firm_id] = (capability, sql, params)
        _, pick_sql, pick_params = cached
        now = timezone.now()
        cursor.execute(
            f"""
            WITH picked AS ({pick_sql}),
            moved AS (
                UPDATE {tasks} AS t
                   SET state = %s, firm_id = %s, version = t.version + 1, updated_at = %s
                  FROM picked
                 WHERE t.id = picked.id
                   AND (SELECT count(*) FROM (
                            SELECT 1 FROM {tasks} WHERE firm_id = %s AND state = ANY(%s) LIMIT %s
                        ) AS held) < %s
                RETURNING {columns}
            ),
            audited AS (
                INSERT INTO {audit} (task_id, from_state, to_state, firm_id, actor_id, reason, at)
                SELECT id, %s, %s, %s, %s, %s, %s FROM moved
            )
            SELECT * FROM moved
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [
                *pick_params,
                TaskState.ACCEPTED, user.firm_id, now,
                user.firm_id, list(FIRM_LOAD_STATES), capability.capacity, capability.capacity,
                TaskState.OPEN, TaskState.ACCEPTED, user.firm_id, user.pk, CLAIM_NEXT, now,
            ],
        )  # fmt: skip
        row = cursor.fetchone()
    return None if row is None else AppraisalTask.from_db(connection.alias, fields, row)


def _lock_firm(user: User) -> AppraisalFirm:
    """Lock the claimer's firm row so its capacity check and claim are one step."""
    from institutions.models import AppraisalFirm

    if user.firm_id is None:
        raise TaskError("只有鉴定机构人员可以领取任务。")
    return AppraisalFirm.objects.select_for_update().get(pk=user.firm_id)
