"""E-mail notifications: every kind, who receives it, its text, and sending it only once.

Kinds and recipients (only active accounts with an e-mail address ever receive mail):

- task_offered (派单): members of the firm the task is offered to. Event: sent after the
  offering transaction commits.
- report_returned (报告退回修改): members of the report's firm. Event, after commit.
- task_due_soon: members of the firm holding the task (offered, accepted or returned) once its
  due date is CAMPAIGN["notify_due_days"] days away or less. Daily run.
- task_overdue: members of the firm holding the task, and the bureau staff of the building's
  county (county staff chase their county's tasks; city-wide staff read the dashboard and
  the deadline lists instead of one mail per county). Daily run.
- qualification_expiring: members of the firm, and city-wide bureau staff (the firm registry
  is kept city-wide). Window: CAMPAIGN["qualification_expiry_warning_days"]. Daily run.

Each (kind, object, period, recipient) is one NotificationLog row, claimed before sending;
the unique key makes a re-run, or a second runner, send nothing again. The period tells
legitimate repeats apart: the task's version for an offer (offered again after a withdrawal
is a new offer), the due date for deadlines, the expiry date for a qualification. Daily kinds
go out as one digest per recipient and kind, so a county never gets a hundred mails at once.

A send that fails (mail server down) never fails the business action: it is logged, its rows
are marked failed, and the next daily run tries them again. A row left "sending" by a crash
is not retried: at most once, never twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from portal.models import NotificationKind, NotificationLog, NotificationStatus, User
from portal.roles import Role

if TYPE_CHECKING:
    from collections.abc import Iterable

    from reports.models import AppraisalTask, ReportVersion

log = logging.getLogger(__name__)

Kind = NotificationKind
EVENT_KINDS = (Kind.TASK_OFFERED, Kind.REPORT_RETURNED)
# Failed event mails older than this are no longer worth sending.
RETRY_DAYS = 7
# Without a timeout an unreachable SMTP server blocks a worker for good.
DEFAULT_TIMEOUT = 20


@dataclass(frozen=True)
class Item:
    """One object a notification is about, in its period."""

    obj: Any
    period: str


@dataclass
class Outgoing:
    recipient: User
    items: list[Item] = field(default_factory=list)


# ---------------------------------------------------------------- recipients


def _reachable() -> Any:
    return User.objects.filter(is_active=True).exclude(email="")


def _firm_members(firm_ids: Iterable[int | None]) -> dict[int, list[User]]:
    ids = {i for i in firm_ids if i is not None}
    members: dict[int, list[User]] = {i: [] for i in ids}
    if ids:
        for user in _reachable().filter(role=Role.FIRM, firm_id__in=ids).order_by("pk"):
            members[user.firm_id].append(user)
    return members


def _county_staff(county_ids: Iterable[int]) -> dict[int, list[User]]:
    ids = set(county_ids)
    staff: dict[int, list[User]] = {i: [] for i in ids}
    if ids:
        for user in _reachable().filter(role=Role.BUREAU, county_id__in=ids).order_by("pk"):
            staff[user.county_id].append(user)
    return staff


def _city_staff() -> list[User]:
    return list(_reachable().filter(role=Role.BUREAU, county__isnull=True).order_by("pk"))


# ---------------------------------------------------------------- links and text


def _url(name: str, *args: Any) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, args=args)


def _link(kind: str, obj: Any, recipient: User) -> str:
    firm_side = recipient.role == Role.FIRM
    if kind == Kind.REPORT_RETURNED:
        return _url("report_version", obj.pk)
    if kind == Kind.QUALIFICATION_EXPIRING:
        return _url("firm_profile") if firm_side else _url("firm_detail", obj.firm_id)
    return _url("firm_task_detail", obj.pk) if firm_side else _url("task_detail", obj.pk)


def _message(
    kind: str, recipient: User, items: list[Item], today: dt.date, connection: Any
) -> mail.EmailMessage:
    context = {
        "recipient": recipient,
        "items": [{"obj": i.obj, "link": _link(kind, i.obj, recipient)} for i in items],
        "count": len(items),
        "today": today,
        "due_days": settings.CAMPAIGN["notify_due_days"],
        "expiry_days": settings.CAMPAIGN["qualification_expiry_warning_days"],
        "portal_url": settings.PORTAL_BASE_URL.rstrip("/"),
        "firm_side": recipient.role == Role.FIRM,
    }
    subject = " ".join(render_to_string(f"email/{kind}_subject.txt", context).split())
    body = render_to_string(f"email/{kind}.txt", context)
    return mail.EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        connection=connection,
    )


def _connection() -> Any:
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT
    return mail.get_connection(timeout=timeout)


# ---------------------------------------------------------------- claim, send, record


def _claim(kind: str, recipient: User, items: list[Item]) -> list[tuple[Item, int]]:
    """Take the log rows for these items; an item someone already sent is left out."""
    claimed = []
    for item in items:
        key = {"kind": kind, "object_id": item.obj.pk, "period": item.period}
        try:
            with transaction.atomic():
                row = NotificationLog.objects.create(
                    **key, recipient=recipient, email=recipient.email
                )
        except IntegrityError:
            failed = NotificationLog.objects.filter(
                **key, recipient=recipient, status=NotificationStatus.FAILED
            )
            pk = failed.values_list("pk", flat=True).first()
            # Conditional, so two runners retrying the same failed row cannot both win.
            if pk is not None and failed.filter(pk=pk).update(
                status=NotificationStatus.SENDING,
                attempts=F("attempts") + 1,
                email=recipient.email,
                error="",
            ):
                claimed.append((item, pk))
            continue
        claimed.append((item, row.pk))
    return claimed


def _deliver(
    kind: str, outgoing: Iterable[Outgoing], today: dt.date, connection: Any = None
) -> int:
    """Claim, send and record one mail per recipient; returns the mails sent."""
    connection = connection or _connection()
    sent = 0
    for out in outgoing:
        claimed = _claim(kind, out.recipient, out.items)
        if not claimed:
            continue
        pks = [pk for _, pk in claimed]
        rows = NotificationLog.objects.filter(pk__in=pks)
        try:
            _message(kind, out.recipient, [i for i, _ in claimed], today, connection).send()
        except Exception as e:
            log.exception("notification %s to user %s failed", kind, out.recipient.pk)
            rows.update(status=NotificationStatus.FAILED, error=f"{type(e).__name__}: {e}"[:300])
            continue
        rows.update(status=NotificationStatus.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def _skip_done(kind: str, grouped: dict[int, Outgoing]) -> list[Outgoing]:
    """Drop items already sent (or being sent), in one query instead of one per item."""
    ids = {i.obj.pk for out in grouped.values() for i in out.items}
    if not ids:
        return []
    done = set(
        NotificationLog.objects.filter(kind=kind, object_id__in=ids)
        .exclude(status=NotificationStatus.FAILED)
        .values_list("object_id", "period", "recipient_id")
    )
    result = []
    for out in grouped.values():
        out.items = [i for i in out.items if (i.obj.pk, i.period, out.recipient.pk) not in done]
        if out.items:
            result.append(out)
    return result


def _add(grouped: dict[int, Outgoing], users: Iterable[User], item: Item) -> None:
    for user in users:
        grouped.setdefault(user.pk, Outgoing(user)).items.append(item)


# ---------------------------------------------------------------- events


def notify_task_offered(task: AppraisalTask) -> None:
    """Call inside the transaction that offers the task; the firm is mailed after commit."""
    _after_commit(Kind.TASK_OFFERED, task.pk, _offer_period(task.version))


def notify_report_returned(version: ReportVersion) -> None:
    """Call inside the transaction that returns the report; the firm is mailed after commit."""
    _after_commit(Kind.REPORT_RETURNED, version.pk, "")


def _offer_period(task_version: int) -> str:
    return f"v{task_version}"


def _after_commit(kind: str, object_id: int, period: str) -> None:
    # A rolled-back action sends nothing; a committed one is mailed by a background task so
    # the request never waits on the mail server.
    transaction.on_commit(lambda: _enqueue(kind, object_id, period), robust=True)


def _enqueue(kind: str, object_id: int, period: str) -> None:
    try:
        send_event_task.enqueue(kind, object_id, period)
    except Exception:
        log.exception("could not enqueue notification %s for %s", kind, object_id)


@task(queue_name="default")
def send_event_task(kind: str, object_id: int, period: str) -> int:
    return send_event(kind, object_id, period)


def send_event(kind: str, object_id: int, period: str, *, only: Iterable[int] | None = None) -> int:
    """Send one event notification now (to `only` these user ids if given). Never raises.

    Nothing is sent when the event no longer holds (the offer was withdrawn, the returned
    version was replaced) by the time the mail would go out.
    """
    try:
        obj, firm_id = _event_object(kind, object_id, period)
        if obj is None:
            return 0
        recipients = _firm_members([firm_id]).get(firm_id, [])
        if only is not None:
            keep = set(only)
            recipients = [u for u in recipients if u.pk in keep]
        item = Item(obj, period)
        outgoing = [Outgoing(u, [item]) for u in recipients]
        return _deliver(kind, outgoing, timezone.localdate())
    except Exception:
        log.exception("notification %s for %s failed", kind, object_id)
        return 0


def _event_object(kind: str, object_id: int, period: str) -> tuple[Any, int | None]:
    from reports.models import AppraisalTask, ReportState, ReportVersion, TaskState

    if kind == Kind.TASK_OFFERED:
        t = (
            AppraisalTask.objects.select_related("building__county", "firm")
            .filter(pk=object_id)
            .first()
        )
        if t is None or t.state != TaskState.OFFERED or _offer_period(t.version) != period:
            return None, None
        return t, t.firm_id
    if kind == Kind.REPORT_RETURNED:
        v = (
            ReportVersion.objects.select_related("report__task__building", "report__firm")
            .filter(pk=object_id)
            .first()
        )
        if v is None or v.state != ReportState.RETURNED:
            return None, None
        return v, v.report.firm_id
    raise ValueError(f"not an event notification: {kind}")


def retry_failed_events(today: dt.date) -> int:
    """Send again event mails whose send failed in the last RETRY_DAYS days."""
    since = timezone.now() - dt.timedelta(days=RETRY_DAYS)
    failed = NotificationLog.objects.filter(
        kind__in=EVENT_KINDS, status=NotificationStatus.FAILED, created_at__gte=since
    ).values_list("kind", "object_id", "period", "recipient_id")
    pending: dict[tuple[str, int, str], set[int]] = {}
    for kind, object_id, period, recipient_id in failed:
        pending.setdefault((kind, object_id, period), set()).add(recipient_id)
    return sum(send_event(k, o, p, only=users) for (k, o, p), users in pending.items())


# ---------------------------------------------------------------- daily


def _due_soon(today: dt.date) -> dict[int, Outgoing]:
    from reports.models import FIRM_LOAD_STATES, AppraisalTask

    last = today + dt.timedelta(days=settings.CAMPAIGN["notify_due_days"])
    tasks = list(
        AppraisalTask.objects.filter(
            state__in=FIRM_LOAD_STATES, due_date__gte=today, due_date__lte=last
        )
        .select_related("building__county", "firm")
        .order_by("due_date", "pk")
    )
    members = _firm_members(t.firm_id for t in tasks)
    grouped: dict[int, Outgoing] = {}
    for t in tasks:
        _add(grouped, members.get(t.firm_id, []), Item(t, t.due_date.isoformat()))
    return grouped


def _overdue(today: dt.date) -> dict[int, Outgoing]:
    from reports.models import AppraisalTask
    from reports.selectors import overdue

    tasks = list(
        overdue(AppraisalTask.objects.all(), today)
        .select_related("building__county", "firm")
        .order_by("due_date", "pk")
    )
    members = _firm_members(t.firm_id for t in tasks)
    staff = _county_staff(t.building.county_id for t in tasks)
    grouped: dict[int, Outgoing] = {}
    for t in tasks:
        item = Item(t, t.due_date.isoformat())
        if t.firm_id is not None:
            _add(grouped, members.get(t.firm_id, []), item)
        _add(grouped, staff.get(t.building.county_id, []), item)
    return grouped


def _qualifications_expiring(today: dt.date) -> dict[int, Outgoing]:
    from institutions.models import Qualification

    days = settings.CAMPAIGN["qualification_expiry_warning_days"]
    # The same window rule as the dashboards (institutions.selectors.expiring_qualifications),
    # without a user's scope: this run mails every firm.
    quals = list(
        Qualification.objects.expiring(today, days)
        .select_related("firm")
        .order_by("valid_to", "firm__name", "kind")
    )
    members = _firm_members(q.firm_id for q in quals)
    city = _city_staff()
    grouped: dict[int, Outgoing] = {}
    for q in quals:
        item = Item(q, q.valid_to.isoformat())
        _add(grouped, members.get(q.firm_id, []), item)
        _add(grouped, city, item)
    return grouped


DAILY = {
    Kind.TASK_DUE_SOON: _due_soon,
    Kind.TASK_OVERDUE: _overdue,
    Kind.QUALIFICATION_EXPIRING: _qualifications_expiring,
}


def send_due_notifications(today: dt.date | None = None) -> dict[str, int]:
    """The daily run: deadline and expiry digests, then failed event mails again.

    Returns the mails sent per kind (and "retried"). Safe to run any number of times a day.
    """
    today = today or timezone.localdate()
    connection = _connection()
    counts: dict[str, int] = {}
    for kind, collect in DAILY.items():
        try:
            counts[kind] = _deliver(kind, _skip_done(kind, collect(today)), today, connection)
        except Exception:
            log.exception("daily notification %s failed", kind)
            counts[kind] = 0
    counts["retried"] = retry_failed_events(today)
    return counts


@task(queue_name="default")
def send_due_notifications_task(day: str | None = None) -> dict[str, int]:
    """The daily run as a background task (e.g. enqueued by a scheduler instead of cron)."""
    return send_due_notifications(dt.date.fromisoformat(day) if day else None)
