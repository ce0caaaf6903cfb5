"""The ledger import: check every row, then upsert the good ones by 房屋编号 in one transaction.

Two phases. First the whole file is read and checked without writing anything (a broken
file stops here, before any write). Then, in one transaction, batches of 2,000 rows are
compared in memory with the stored buildings (one SELECT per batch): new numbers are
inserted, changed ones updated, each batch in a few multi-row statements (bulk.py); rows
that did not change are not written. Fields with a confirmed correction are kept and
listed as conflicts, open tasks of buildings whose queue facts changed are re-ranked, and
a LedgerImport row records the outcome. A crash rolls all of it back.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.utils import timezone

from buildings.ledger.bulk import insert_rows, update_rows
from buildings.ledger.checks import CheckContext, run_checks
from buildings.ledger.columns import COLUMNS
from buildings.ledger.reader import LedgerFile
from buildings.ledger.utils import batched
from buildings.models import Building, BuildingCorrection, County, LedgerImport
from reports.queue import QUEUE_FIELDS, requeue_open_tasks

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from buildings.ledger.reader import LedgerRow

    # progress(stage, done, total): stage "check" counts rows read, "write" rows stored;
    # total is None when the file does not state its size.
    Progress = Callable[[str, int, int | None], None]

logger = logging.getLogger(__name__)

BATCH = 2000
PROGRESS_EVERY = 1000
IMPORT_LOCK_KEY = 0x4C454447  # "LEDG": the advisory lock serialising ledger imports


@dataclass
class _Outcome:
    imported: int = 0
    updated: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)


def import_ledger(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    user: Any = None,
    today: dt.date | None = None,
    file_name: str = "",
    progress: Progress | None = None,
) -> LedgerImport:
    """Import a ledger workbook; returns the saved LedgerImport.

    Raises reader.LedgerFileError (nothing written) when the file as a whole is unusable.
    County bureau staff (user.county_id set) may only import rows of their county.
    """
    today = today or timezone.localdate()
    scope = getattr(user, "county_id", None) if user is not None else None
    with _gc_paused(), LedgerFile(source) as ledger:
        ctx = _context(ledger.headers, today, scope)
        good, errors, rejected = _check_rows(ledger, ctx, progress)
        headers = ledger.headers
    with _gc_paused(), transaction.atomic():
        outcome = _write(good, headers, progress)
        record = LedgerImport.objects.create(
            file_name=(file_name or _name_of(source))[:200],
            imported_by=user if getattr(user, "pk", None) else None,
            imported=outcome.imported,
            updated=outcome.updated,
            rejected=rejected,
            conflicts=len(outcome.conflicts),
            errors=errors,
            conflict_rows=outcome.conflicts,
        )
    logger.info("ledger import %s (%s): %s", record.pk, record.file_name, record.summary)
    return record


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rows are held: with ~100,000 rows of dicts
    alive, its repeated full passes cost a third of the read time. Nothing made here is
    cyclic; reference counting frees it all as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _name_of(source: object) -> str:
    name = getattr(source, "name", None) or (source if isinstance(source, str) else "")
    return os.path.basename(str(os.fspath(name))) if name else "台账.xlsx"


def _context(headers: frozenset[str], today: dt.date, scope: int | None) -> CheckContext:
    foreign: dict[str, str] = {}
    if scope is not None:
        foreign = dict(
            Building.objects.exclude(county_id=scope).values_list("building_no", "county__name")
        )
    return CheckContext(
        today=today,
        counties=dict(County.objects.values_list("name", "pk")),
        headers=headers,
        scope_county_id=scope,
        foreign_buildings=foreign,
    )


def _check_rows(
    ledger: LedgerFile, ctx: CheckContext, progress: Progress | None
) -> tuple[list[LedgerRow], list[dict[str, Any]], int]:
    good: list[LedgerRow] = []
    errors: list[dict[str, Any]] = []
    rejected = 0
    total = ledger.total_rows
    done = 0
    for row in ledger.rows():
        problems = run_checks(row, ctx)
        if problems:
            rejected += 1
            number = row.building_no
            errors.extend(
                {"row": row.number, "building_no": number, "column": p.column, "message": p.message}
                for p in problems
            )
        else:
            good.append(row)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress("check", done, total)
    if progress is not None:
        progress("check", done, done)
    return good, errors, rejected


def _write(good: list[LedgerRow], headers: frozenset[str], progress: Progress | None) -> _Outcome:
    using = router.db_for_write(Building)
    _one_import_at_a_time(using)
    # Fields this file carries (an absent optional column leaves that field alone) ...
    attrs = [c.field for c in COLUMNS if c.header in headers and c.field != "building_no"]
    # ... plus whatever the queue policy reads, to re-rank tasks on full facts.
    loaded = attrs + sorted(QUEUE_FIELDS.difference(attrs))
    corrected = _corrected_fields()
    now = timezone.now()
    # A new building: the model's defaults, then the row's values.
    columns = [f.attname for f in Building._meta.concrete_fields if not f.primary_key]
    defaults = {name: _plain(Building._meta.get_field(name).get_default()) for name in columns}
    defaults.update(created_at=now, updated_at=now)
    outcome = _Outcome()
    to_requeue: dict[int, dict[str, Any]] = {}
    done = 0
    for batch in batched(good, BATCH):
        numbers = [row.fields["building_no"] for row in batch]
        stored = {
            values[1]: values
            for values in Building.objects.filter(building_no__in=numbers).values_list(
                "pk", "building_no", *loaded
            )
        }
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[int, dict[str, Any]]] = []
        changed_attrs: set[str] = set()
        for row in batch:
            values = stored.get(row.fields["building_no"])
            if values is None:
                merged = defaults | row.fields
                new.append(tuple(merged[name] for name in columns))
                continue
            outcome.updated += 1
            pk, number = values[0], values[1]
            current = dict(zip(loaded, values[2:], strict=True))
            keep = corrected.get(pk, {})
            diff = []
            for attr in attrs:
                value = row.fields[attr]
                if value == current[attr]:
                    continue
                if attr in keep:
                    outcome.conflicts.append(
                        {
                            "building_no": number,
                            "field": attr,
                            "ledger": _display(value),
                            "confirmed": keep[attr],
                        }
                    )
                    continue
                diff.append(attr)
                current[attr] = value
            if diff:
                changed.append((pk, current))
                changed_attrs.update(diff)
                if QUEUE_FIELDS.intersection(diff):
                    to_requeue[pk] = current
        if new:
            insert_rows(Building, columns, new, using)
            outcome.imported += len(new)
        if changed:
            names = [*sorted(changed_attrs), "updated_at"]
            update_rows(
                Building,
                names,
                [(pk, *(current[n] for n in names[:-1]), now) for pk, current in changed],
                using,
            )
        done += len(batch)
        if progress is not None:
            progress("write", done, len(good))
    if to_requeue:
        moved = requeue_open_tasks(to_requeue)
        logger.info("ledger import: %d open tasks re-ranked", moved)
    return outcome


def _one_import_at_a_time(using: str) -> None:
    """PostgreSQL: a second import waits for the first to commit, then sees its buildings
    (instead of failing on the unique 房屋编号 when both insert the same new house).
    SQLite has a single writer anyway."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _corrected_fields() -> dict[int, dict[str, str]]:
    """building pk -> {field: confirmed value}, the latest correction of each field winning."""
    corrected: dict[int, dict[str, str]] = {}
    for building_id, name, value in BuildingCorrection.objects.order_by(
        "recorded_at", "pk"
    ).values_list("building_id", "field", "new_value"):
        corrected.setdefault(building_id, {})[name] = value
    return corrected


def _plain(value: Any) -> Any:
    """Choices members (str subclasses) as plain str, which every database driver takes."""
    return str(value) if isinstance(value, str) else value


def _display(value: Any) -> str:
    """A cleaned value as the ledger writes it (是/否, plain decimals)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
