"""Supervision (督导) rounds, their required actions (整改要求) and accountability records.

Who may write is decided here only:
- city-wide bureau staff and site admins record rounds, required actions and accountability
  records (约谈/通报/警示/曝光), and their follow-up;
- county staff record the follow-up of their own county's required actions.
Reads go through `Model.objects.visible_to(user)` (portal.models.supervision).

Every refusal is a SupervisionError whose message is shown to bureau staff as is; a refused
write leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.models import (
    AccountabilityKind,
    AccountabilityRecord,
    ActionStatus,
    RequiredAction,
    RequiredActionFollowUp,
    SupervisionKind,
    SupervisionRound,
)
from portal.roles import Role

if TYPE_CHECKING:
    from buildings.models import County


class SupervisionError(Exception):
    """A supervision write refused; the message is for bureau staff."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


MANAGE_REFUSED = "只有市级住建局工作人员可以录入督导、整改要求和约谈通报记录。"
FOLLOW_UP_REFUSED = "您只能录入本县区整改要求的整改情况。"


def may_manage(user: Any) -> bool:
    """Record rounds, required actions and accountability records: city-wide staff, admins."""
    role = Role.of(user)
    return role == Role.ADMIN or (role == Role.BUREAU and user.county_id is None)


def may_follow_up(user: Any, action: RequiredAction) -> bool:
    """Record the follow-up of a required action: managers, and the county's own staff."""
    if may_manage(user):
        return True
    return Role.of(user) == Role.BUREAU and user.county_id == action.supervision.county_id


def _ensure_manager(user: Any) -> None:
    if not may_manage(user):
        raise PermissionDenied(MANAGE_REFUSED)


def _required(value: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise SupervisionError(message)
    if len(value) > limit:
        raise SupervisionError(f"{message.removeprefix('请填写').rstrip('。')}不能超过{limit}字。")
    return value


def _optional(value: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise SupervisionError(f"{label}不能超过{limit}字。")
    return value


def _not_future(day: dt.date | None, label: str) -> dt.date:
    if day is None:
        raise SupervisionError(f"请填写{label}。")
    if day > timezone.localdate():
        raise SupervisionError(f"{label}不能晚于今天。")
    return day


def round_create(
    *,
    county: County | None,
    held_on: dt.date | None,
    kind: str,
    team: str,
    findings: str,
    actor: Any,
) -> SupervisionRound:
    """Record a supervision round held in a county."""
    _ensure_manager(actor)
    if county is None:
        raise SupervisionError("请选择督导县区。")
    if kind not in SupervisionKind.values:
        raise SupervisionError("请选择督导类型。")
    held_on = _not_future(held_on, "督导日期")
    team = _required(team, "请填写督导组成员。", 500)
    findings = _required(findings, "请填写发现问题。", 5000)
    return SupervisionRound.objects.create(
        county=county, held_on=held_on, kind=kind, team=team, findings=findings, recorded_by=actor
    )


def action_add(
    *,
    supervision: SupervisionRound,
    text: str,
    deadline: dt.date | None,
    responsible_unit: str,
    actor: Any,
) -> RequiredAction:
    """Add a required action (整改要求) with a deadline to a round."""
    _ensure_manager(actor)
    text = _required(text, "请填写整改要求。", 2000)
    responsible_unit = _required(responsible_unit, "请填写责任单位。", 100)
    if deadline is None:
        raise SupervisionError("请填写整改期限。")
    if deadline < supervision.held_on:
        raise SupervisionError("整改期限不能早于督导日期。")
    return RequiredAction.objects.create(
        supervision=supervision,
        text=text,
        deadline=deadline,
        responsible_unit=responsible_unit,
        recorded_by=actor,
    )


def action_follow_up(
    *,
    action: RequiredAction,
    status: str,
    note: str,
    followed_up_on: dt.date | None,
    actor: Any,
) -> RequiredAction:
    """Record how a required action is being (or was) rectified; 已整改 closes it.

    The action keeps the latest follow-up; each one is also kept as a history row.
    """
    if not may_follow_up(actor, action):
        raise PermissionDenied(FOLLOW_UP_REFUSED)
    if status not in ActionStatus.values:
        raise SupervisionError("请选择整改状态。")
    note = _required(note, "请填写整改情况。", 2000)
    followed_up_on = _not_future(followed_up_on, "整改情况日期")
    if followed_up_on < action.supervision.held_on:
        raise SupervisionError("整改情况日期不能早于督导日期。")
    with transaction.atomic():
        locked = RequiredAction.objects.select_for_update().get(pk=action.pk)
        locked.status = status
        locked.follow_up = note
        locked.followed_up_on = followed_up_on
        locked.followed_up_by = actor
        locked.save(update_fields=["status", "follow_up", "followed_up_on", "followed_up_by"])
        RequiredActionFollowUp.objects.create(
            action=locked,
            status=status,
            note=note,
            followed_up_on=followed_up_on,
            recorded_by=actor,
        )
    for name in ("status", "follow_up", "followed_up_on", "followed_up_by"):
        setattr(action, name, getattr(locked, name))
    return action


def accountability_create(
    *,
    county: County | None,
    held_on: dt.date | None,
    kind: str,
    target: str,
    reason: str,
    content: str,
    actor: Any,
    supervision: SupervisionRound | None = None,
) -> AccountabilityRecord:
    """Record a 约谈, 通报, 警示 or 曝光; optionally tied to the round that led to it."""
    _ensure_manager(actor)
    if county is None:
        raise SupervisionError("请选择县区。")
    if kind not in AccountabilityKind.values:
        raise SupervisionError("请选择类型（约谈、通报、警示或曝光）。")
    held_on = _not_future(held_on, "日期")
    target = _required(target, "请填写对象（单位或个人）。", 200)
    reason = _required(reason, "请填写事由。", 2000)
    content = _required(content, "请填写内容。", 5000)
    if supervision is not None and supervision.county_id != county.pk:
        raise SupervisionError("相关督导须为同一县区的督导记录。")
    return AccountabilityRecord.objects.create(
        county=county,
        held_on=held_on,
        kind=kind,
        target=target,
        reason=reason,
        content=content,
        supervision=supervision,
        recorded_by=actor,
    )


def accountability_follow_up(
    *, record: AccountabilityRecord, follow_up: str, actor: Any
) -> AccountabilityRecord:
    """Record what came of an accountability measure (整改反馈、处理结果)."""
    _ensure_manager(actor)
    record.follow_up = _required(follow_up, "请填写后续情况。", 2000)
    record.followed_up_by = actor
    record.followed_up_at = timezone.now()
    record.save(update_fields=["follow_up", "followed_up_by", "followed_up_at"])
    return record
