"""Campaign progress: every number the dashboards, periodic reports and the monthly circular show.

One function, `progress_for`, computes them for a user's scope (their county, or city-wide,
optionally narrowed to one county) and a period, so the screens and their exports agree by
construction. Each number is defined once, in `METRICS`, reusing the project's own rules:

- scope: `Building.objects.visible_to` / `AppraisalTask.objects.visible_to`;
- control: `BuildingQuerySet.requiring_control` and `buildings.control.uncontrolled`;
- conclusion: `buildings.selectors.doubtful_without_conclusion` and the task states of
  `reports.models` (a conclusion is a task in 报告已通过 or 已办结);
- overdue: `reports.selectors.overdue` and `deadline_breakdown`.

Stocks (存量) are the state at the time of computing: the system keeps current state, not
daily snapshots, so a report for a past period shows today's stock and that period's flows
(增量: tasks created, conclusions, controls, rectifications dated within the period).

Queries do not grow with the number of counties or buildings: one GROUP BY county over
buildings, one over tasks, one over firms, plus the county list.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper
from django.utils import timezone

from buildings.control import uncontrolled
from buildings.models import Building, ControlMeasure, County, Judgement, RectificationProgress
from buildings.selectors import doubtful_without_conclusion
from portal.xlsx import append_row
from reports.models import OVERDUE_STATES, AppraisalTask, Report, TaskState
from reports.selectors import deadline_breakdown, overdue

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


class ProgressError(Exception):
    """A period or scope that cannot be reported on; the message is for bureau staff."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------------------------------------
# Periods: 日动态、周调度、旬简报、月通报 (the seed's reporting rhythm), or any date range.

# The seed's 月通报 is the ranked circular below; the plain monthly report is 月报.
PRESETS = {"day": "日动态", "week": "周调度", "xun": "旬简报", "month": "月报"}
PRESET_UNITS = {"day": "日", "week": "周", "xun": "旬", "month": "月"}
CUSTOM = "custom"
XUN_NAMES = ("上旬", "中旬", "下旬")
# A longer range is almost certainly a typo (e.g. 2205 for 2025); the campaign runs ~3 years.
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    preset: str = CUSTOM

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def unit(self) -> str:
        return PRESET_UNITS.get(self.preset, "时段")

    @property
    def kind_label(self) -> str:
        return PRESETS.get(self.preset, "自定义区间")

    @property
    def label(self) -> str:
        s, e = self.start, self.end
        if self.preset == "day":
            return f"{s.year}年{s.month}月{s.day}日"
        if self.preset == "week":
            week = s.isocalendar()[1]
            return f"{s.year}年{s.month}月{s.day}日—{e.month}月{e.day}日（第{week}周）"
        if self.preset == "xun":
            name = XUN_NAMES[min((s.day - 1) // 10, 2)]
            return f"{s.year}年{s.month}月{name}（{s.month}月{s.day}日—{e.day}日）"
        if self.preset == "month":
            return f"{s.year}年{s.month}月"
        return f"{s:%Y-%m-%d} 至 {e:%Y-%m-%d}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight, for DateTimeField filters."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end

    def shifted(self, step: int) -> Period:
        """The previous (step=-1) or next (step=1) period of the same kind."""
        if self.preset == "day":
            return period_for("day", self.start + dt.timedelta(days=step))
        if self.preset == "week":
            return period_for("week", self.start + dt.timedelta(weeks=step))
        if self.preset == "xun":
            anchor = self.start - dt.timedelta(days=1) if step < 0 else self.end + dt.timedelta(1)
            return period_for("xun", anchor)
        if self.preset == "month":
            anchor = self.start - dt.timedelta(days=1) if step < 0 else self.end + dt.timedelta(1)
            return period_for("month", anchor)
        length = dt.timedelta(days=self.days * step)
        return Period(self.start + length, self.end + length)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_for(preset: str, anchor: dt.date) -> Period:
    """The day, ISO week (Monday–Sunday), 旬 (1–10, 11–20, 21–month end) or month of anchor."""
    if preset == "day":
        return Period(anchor, anchor, preset)
    if preset == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return Period(start, start + dt.timedelta(days=6), preset)
    if preset == "xun":
        if anchor.day <= 10:
            return Period(anchor.replace(day=1), anchor.replace(day=10), preset)
        if anchor.day <= 20:
            return Period(anchor.replace(day=11), anchor.replace(day=20), preset)
        return Period(anchor.replace(day=21), _month_end(anchor), preset)
    if preset == "month":
        return Period(anchor.replace(day=1), _month_end(anchor), preset)
    raise ProgressError("请选择统计周期：日、周、旬、月或自定义区间。")


def custom_period(start: dt.date | None, end: dt.date | None) -> Period:
    if start is None or end is None:
        raise ProgressError("自定义区间须填写开始日期和结束日期。")
    if start > end:
        raise ProgressError("开始日期不能晚于结束日期。")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ProgressError(f"统计区间不能超过{MAX_RANGE_DAYS}天。")
    return Period(start, end, CUSTOM)


def month_period(year: int, month: int) -> Period:
    return period_for("month", dt.date(year, month, 1))


# ---------------------------------------------------------------------------------------------
# Metric definitions: the one place each number is defined and labelled.


def flagged_judgements() -> list[str]:
    """初判 values that put a building in the funnel's second stage (初判存疑/隐患)."""
    default = [Judgement.DOUBTFUL, Judgement.SERIOUS, Judgement.SOME]
    return list(settings.CAMPAIGN.get("progress_flagged_judgements", default))


CONCLUDED_STATES = (TaskState.APPROVED, TaskState.CLOSED)
GRADES = ("A", "B", "C", "D")
CONTROL_GRADES = ("C", "D")

# key -> (label, definition). Tables, charts and exports read labels from here.
METRICS: dict[str, tuple[str, str]] = {
    "surveyed": ("排查房屋", "纳入排查台账的房屋（本人管辖范围）。"),
    "flagged": (
        "初判存疑/隐患",
        "初判为“初判存疑”“存在严重安全隐患”或“存在一定安全隐患”的房屋（可在 CAMPAIGN 中配置）。",
    ),
    "doubtful": ("初判存疑", "初判为“初判存疑”的房屋。"),
    "doubtful_open": ("初判存疑未出结论", "初判存疑且尚无已通过鉴定报告的房屋（动态清零）。"),
    "tasked": ("已建鉴定任务", "有鉴定任务（任何状态）的房屋。"),
    "appraised": ("已出鉴定结论", "有任务处于“报告已通过”或“已办结”的房屋。"),
    "grade_a": ("A级", "已出结论房屋中，最近一次通过报告评定为A级的。"),
    "grade_b": ("B级", "同上，B级。"),
    "grade_c": ("C级", "同上，C级。"),
    "grade_d": ("D级", "同上，D级。"),
    "grade_other": ("等级未注明", "已出结论但报告未注明鉴定等级的房屋。"),
    "requiring_control": (
        "需管控",
        "C、D级鉴定结论，或初判存在严重安全隐患且管控未经复核解除的房屋。",
    ),
    "controlled": ("已落实管控", "需管控且有在控管控措施的房屋。"),
    "uncontrolled": ("需管控未落实", "需管控但没有在控管控措施的房屋（当日动态清零）。"),
    "rect_no_plan": ("未制定整治方案", "需管控但尚未制定整治方案的房屋。"),
    "rect_pending": ("待整治", "整治方案进度为“待整治”的房屋。"),
    "rect_in_progress": ("整治中", "整治方案进度为“整治中”的房屋。"),
    "rectified": ("已整治", "整治方案进度为“已整治”的房屋。"),
    "tasks_open": ("待分派任务", "状态为“待分派”的鉴定任务。"),
    "tasks_active": ("在办任务", "尚未提交报告的任务：待分派、已派单、鉴定中、退回修改。"),
    "tasks_submitted": ("待审核", "报告已提交、等待审核的任务。"),
    "tasks_overdue": ("逾期任务", "在办任务中已过完成时限的。"),
    "tasks_created": ("新建任务", "统计区间内创建的鉴定任务。"),
    "appraised_in_period": ("新出结论", "统计区间内有报告审核通过的房屋。"),
    "appraised_cd_in_period": ("其中C/D级", "上述房屋中通过报告评定为C级或D级的。"),
    "controls_started": ("新落实管控", "统计区间内有管控措施开始实施的房屋（按管控起始日）。"),
    "rectifications_completed": ("新完成整治", "统计区间内整治进度改为“已整治”的房屋。"),
}

# The funnel: surveyed → 初判存疑/隐患 → tasks → appraised → control → rectified.
FUNNEL = (
    "surveyed",
    "flagged",
    "tasked",
    "appraised",
    "requiring_control",
    "controlled",
    "rectified",
)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]

    @property
    def header(self) -> list[str]:
        return ["县区", *(METRICS[c][0] for c in self.columns)]


TABLES = (
    Table(
        "appraisal",
        "鉴定进度（现状）",
        (
            "surveyed",
            "flagged",
            "doubtful",
            "doubtful_open",
            "tasked",
            "appraised",
            "grade_a",
            "grade_b",
            "grade_c",
            "grade_d",
            "grade_other",
        ),
    ),
    Table(
        "control",
        "管控与整治（现状）",
        (
            "requiring_control",
            "controlled",
            "uncontrolled",
            "rect_no_plan",
            "rect_pending",
            "rect_in_progress",
            "rectified",
        ),
    ),
    Table(
        "tasks",
        "鉴定任务（现状）",
        ("tasks_open", "tasks_active", "tasks_submitted", "tasks_overdue"),
    ),
    Table(
        "flow",
        "统计区间内新增",
        (
            "tasks_created",
            "appraised_in_period",
            "appraised_cd_in_period",
            "controls_started",
            "rectifications_completed",
        ),
    ),
)
TABLES_BY_KEY = {t.key: t for t in TABLES}
FIRM_HEADER = ["鉴定机构", "逾期任务", "即将到期", "在办任务"]


@dataclass
class CountyProgress:
    """The numbers of one county (or, for the total row, of the whole scope)."""

    county_id: int | None
    name: str
    values: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        # Templates read row.surveyed; a dataclass field per metric would repeat METRICS.
        values = self.__dict__.get("values", {})
        if name in METRICS:
            return values.get(name, 0)
        raise AttributeError(name)

    def row(self, columns: Iterable[str]) -> list[Any]:
        return [self.name, *(self.values.get(c, 0) for c in columns)]

    @property
    def doubtful_appraised(self) -> int:
        return self.values.get("doubtful", 0) - self.values.get("doubtful_open", 0)

    @property
    def rect_target(self) -> int:
        return sum(
            self.values.get(k, 0)
            for k in ("rect_no_plan", "rect_pending", "rect_in_progress", "rectified")
        )


@dataclass
class Progress:
    scope_label: str
    period: Period
    today: dt.date
    generated_at: dt.datetime
    counties: list[CountyProgress]
    total: CountyProgress
    by_firm: list[dict[str, Any]]

    @property
    def single_county(self) -> bool:
        return len(self.counties) == 1

    def table_rows(self, table: Table) -> list[list[Any]]:
        """The rows of one table: each county, then the total (omitted for one county)."""
        rows = [c.row(table.columns) for c in self.counties]
        if not self.single_county:
            rows.append(self.total.row(table.columns))
        return rows

    def tables(self) -> list[dict[str, Any]]:
        return [
            {"key": t.key, "title": t.title, "header": t.header, "rows": self.table_rows(t)}
            for t in TABLES
        ]

    def firm_rows(self) -> list[list[Any]]:
        return [[f["name"], f["overdue"], f["due_soon"], f["active"]] for f in self.by_firm]

    def funnel(self) -> list[tuple[str, int]]:
        return [(METRICS[k][0], self.total.values.get(k, 0)) for k in FUNNEL]


def counties_for(user: Any) -> Any:
    """Counties in a user's scope: their own for county staff, every county otherwise."""
    if getattr(user, "county_id", None):
        return County.objects.filter(pk=user.county_id)
    return County.objects.all()


def county_for(user: Any, county_id: int) -> County:
    """One county in the user's scope, or ProgressError (views answer 404)."""
    county = counties_for(user).filter(pk=county_id).first()
    if county is None:
        raise ProgressError("该县区不在您的管辖范围内。")
    return county


def _building_counts(buildings: Any, period: Period) -> dict[int, dict[str, int]]:
    """One GROUP BY county over the scoped buildings: every building-based number."""
    start, end = period.bounds()
    everything = Building.objects.all()
    tasks = AppraisalTask.objects.filter(building=OuterRef("pk"))
    concluded = Exists(tasks.filter(state__in=CONCLUDED_STATES))
    requiring = Q(pk__in=everything.requiring_control().values("pk"))
    accepted = Report.objects.filter(
        task__building=OuterRef("pk"), accepted_at__gte=start, accepted_at__lt=end
    )
    # The accepted version's own grade: the building's may have changed by a later report.
    accepted_cd = accepted.annotate(
        grade=Upper(KeyTextTransform("grade", "current_version__fields"))
    ).filter(grade__in=CONTROL_GRADES)
    started = ControlMeasure.objects.filter(
        building=OuterRef("pk"), started_on__gte=period.start, started_on__lte=period.end
    )
    plan = "rectification__progress"
    graded = Q(appraisal_grade__in=GRADES)
    aggregates = {
        "surveyed": Count("pk"),
        "flagged": Count("pk", filter=Q(initial_judgement__in=flagged_judgements())),
        "doubtful": Count("pk", filter=Q(initial_judgement=Judgement.DOUBTFUL)),
        "doubtful_open": Count(
            "pk", filter=Q(pk__in=doubtful_without_conclusion(everything).values("pk"))
        ),
        "tasked": Count("pk", filter=Exists(tasks)),
        "appraised": Count("pk", filter=concluded),
        **{
            f"grade_{g.lower()}": Count("pk", filter=Q(concluded, appraisal_grade=g))
            for g in GRADES
        },
        "grade_other": Count("pk", filter=Q(concluded) & ~graded),
        "requiring_control": Count("pk", filter=requiring),
        "uncontrolled": Count("pk", filter=Q(pk__in=uncontrolled(everything).values("pk"))),
        "rect_no_plan": Count("pk", filter=requiring & Q(rectification__isnull=True)),
        "rect_pending": Count("pk", filter=Q(**{plan: RectificationProgress.PENDING})),
        "rect_in_progress": Count("pk", filter=Q(**{plan: RectificationProgress.IN_PROGRESS})),
        "rectified": Count("pk", filter=Q(**{plan: RectificationProgress.DONE})),
        "appraised_in_period": Count("pk", filter=Exists(accepted)),
        "appraised_cd_in_period": Count("pk", filter=Exists(accepted_cd)),
        "controls_started": Count("pk", filter=Exists(started)),
        "rectifications_completed": Count(
            "pk",
            filter=Q(
                rectification__progress=RectificationProgress.DONE,
                rectification__completed_at__gte=start,
                rectification__completed_at__lt=end,
            ),
        ),
    }
    rows = buildings.order_by().values("county_id").annotate(**aggregates)
    out = {}
    for r in rows:
        county_id = r.pop("county_id")
        r["controlled"] = r["requiring_control"] - r["uncontrolled"]
        out[county_id] = r
    return out


def _task_counts(tasks: Any, period: Period, today: dt.date) -> dict[int, dict[str, int]]:
    """One GROUP BY county over the scoped tasks."""
    start, end = period.bounds()
    rows = (
        tasks.order_by()
        .values("building__county_id")
        .annotate(
            tasks_open=Count("pk", filter=Q(state=TaskState.OPEN)),
            tasks_active=Count("pk", filter=Q(state__in=OVERDUE_STATES)),
            tasks_submitted=Count("pk", filter=Q(state=TaskState.SUBMITTED)),
            tasks_overdue=Count(
                "pk", filter=Q(pk__in=overdue(AppraisalTask.objects.all(), today).values("pk"))
            ),
            tasks_created=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        )
    )
    return {r.pop("building__county_id"): r for r in rows}


def progress_for(
    user: Any,
    *,
    period: Period | None = None,
    county: County | None = None,
    today: dt.date | None = None,
) -> Progress:
    """Every progress number of the user's scope (optionally one county of it) for a period.

    The period only affects the flow numbers (统计区间内新增); without one, it is today.
    """
    today = today or timezone.localdate()
    period = period or period_for("day", today)
    counties = counties_for(user)
    buildings = Building.objects.visible_to(user)
    tasks = AppraisalTask.objects.visible_to(user)
    if county is not None:
        if not counties.filter(pk=county.pk).exists():
            raise ProgressError("该县区不在您的管辖范围内。")
        counties = counties.filter(pk=county.pk)
        buildings = buildings.filter(county=county)
        tasks = tasks.filter(building__county=county)
    building_counts = _building_counts(buildings, period)
    task_counts = _task_counts(tasks, period, today)
    rows = []
    for c in counties.order_by("sort_order", "code"):
        values = dict.fromkeys(METRICS, 0)
        values.update(building_counts.get(c.pk, {}))
        values.update(task_counts.get(c.pk, {}))
        rows.append(CountyProgress(c.pk, c.name, values))
    total = CountyProgress(None, "合计", {k: sum(r.values[k] for r in rows) for k in METRICS})
    if county is not None:
        label = county.name
    elif getattr(user, "county_id", None):
        label = rows[0].name if rows else ""
    else:
        label = "全市"
    return Progress(
        scope_label=label,
        period=period,
        today=today,
        generated_at=timezone.localtime(),
        counties=rows,
        total=total,
        by_firm=deadline_breakdown(tasks, today, "firm__name"),
    )


# ---------------------------------------------------------------------------------------------
# The monthly circular (月通报): counties ranked by a composite progress score.

# Weights of the score (they sum to 100). Each component is a share in [0, 1]; a component
# whose denominator is zero (nothing to do) is left out and the others are re-weighted, so a
# county is neither rewarded nor punished for work it does not have.
CIRCULAR_WEIGHTS = {
    "doubtful_appraised": 40,
    "controlled": 25,
    "rectified": 20,
    "on_time": 15,
}
CIRCULAR_COMPONENTS = {
    "doubtful_appraised": ("初判存疑鉴定完成率", "初判存疑房屋中已出鉴定结论的比例"),
    "controlled": ("管控落实率", "需管控房屋（C、D级及严重隐患）中已落实管控的比例"),
    "rectified": ("整治完成率", "整治对象（需管控或已制定整治方案的房屋）中已整治的比例"),
    "on_time": ("任务按期率", "在办鉴定任务中未逾期的比例"),
}


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Component:
    key: str
    numerator: int
    denominator: int

    @property
    def label(self) -> str:
        return CIRCULAR_COMPONENTS[self.key][0]

    @property
    def share(self) -> float | None:
        return _share(self.numerator, self.denominator)

    @property
    def percent(self) -> float | None:
        return None if self.share is None else round(self.share * 100, 1)

    @property
    def percent_text(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.1f}%"

    @property
    def counts_text(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def components_of(c: CountyProgress) -> list[Component]:
    v = c.values
    active = v["tasks_active"]
    return [
        Component("doubtful_appraised", c.doubtful_appraised, v["doubtful"]),
        Component("controlled", v["controlled"], v["requiring_control"]),
        Component("rectified", v["rectified"], c.rect_target),
        Component("on_time", active - v["tasks_overdue"], active),
    ]


def score_of(components: Sequence[Component]) -> float | None:
    """Weighted mean of the available shares, out of 100, to one decimal."""
    available = [(CIRCULAR_WEIGHTS[c.key], c.share) for c in components if c.share is not None]
    weight = sum(w for w, _ in available)
    if not weight:
        return None
    return round(100 * sum(w * s for w, s in available) / weight, 1)


@dataclass
class CircularRow:
    rank: int | None
    county: CountyProgress
    components: list[Component]
    score: float | None

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else f"{self.score:.1f}"


@dataclass
class Circular:
    progress: Progress
    rows: list[CircularRow]

    @property
    def period(self) -> Period:
        return self.progress.period

    def _labels(self) -> list[str]:
        return [CIRCULAR_COMPONENTS[k][0] for k in CIRCULAR_WEIGHTS]

    def _tail_header(self) -> list[str]:
        return ["逾期任务", *(f"本月{METRICS[k][0]}" for k in TABLES_BY_KEY["flow"].columns)]

    def _tail(self, r: CircularRow) -> list[int]:
        v = r.county.values
        return [v["tasks_overdue"], *(v[k] for k in TABLES_BY_KEY["flow"].columns)]

    @property
    def header(self) -> list[str]:
        """Columns of the xlsx: each share and its counts in separate, typed cells."""
        labels = self._labels()
        return [
            "排名",
            "县区",
            "综合得分",
            *(f"{label}(%)" for label in labels),
            *(f"{label}（完成/应完成）" for label in labels),
            *self._tail_header(),
        ]

    def export_rows(self) -> list[list[Any]]:
        """Rows for the xlsx: numbers as numbers; a share without denominator is empty."""
        return [
            [
                r.rank,
                r.county.name,
                r.score,
                *(c.percent for c in r.components),
                *(c.counts_text for c in r.components),
                *self._tail(r),
            ]
            for r in self.rows
        ]

    @property
    def text_header(self) -> list[str]:
        """Columns of the page and the PDF: each share printed with its counts."""
        return ["排名", "县区", "综合得分", *self._labels(), *self._tail_header()]

    def text_rows(self) -> list[list[str]]:
        return [
            [
                "—" if r.rank is None else str(r.rank),
                r.county.name,
                r.score_text,
                *(f"{c.percent_text}（{c.counts_text}）" for c in r.components),
                *(str(n) for n in self._tail(r)),
            ]
            for r in self.rows
        ]


def circular_for(user: Any, *, period: Period, today: dt.date | None = None) -> Circular:
    """Counties of the user's scope ranked by score (ties share a rank; no score ranks last)."""
    progress = progress_for(user, period=period, today=today)
    scored = []
    for c in progress.counties:
        components = components_of(c)
        scored.append((score_of(components), c, components))
    order = {c.county_id: i for i, c in enumerate(progress.counties)}
    scored.sort(key=lambda t: (t[0] is None, -(t[0] or 0), order[t[1].county_id]))
    rows: list[CircularRow] = []
    for position, (score, c, components) in enumerate(scored, start=1):
        if score is None:
            rank = None
        elif rows and rows[-1].score == score:
            rank = rows[-1].rank
        else:
            rank = position
        rows.append(CircularRow(rank, c, components, score))
    return Circular(progress, rows)


# ---------------------------------------------------------------------------------------------
# Exports: xlsx (openpyxl) and PDF (portal.printing), both written from the same rows as the page.


def _xlsx_sheet(workbook: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    sheet = workbook.create_sheet(title[:31])
    for row in [list(header), *rows]:
        append_row(sheet, row)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 34
    return sheet


def _xlsx_bytes(workbook: Any) -> bytes:
    import io

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _about_rows(progress: Progress, title: str) -> list[tuple[str, str]]:
    return [
        ("报表", title),
        ("范围", progress.scope_label),
        ("统计区间", f"{progress.period.label}（{progress.period.kind_label}）"),
        ("存量截至", f"{progress.generated_at:%Y-%m-%d %H:%M}"),
        ("说明", "“现状”各表为生成时的存量；“统计区间内新增”为区间内发生的数量。"),
    ]


def report_title(progress: Progress) -> str:
    return f"{progress.scope_label}自建房安全专项整治{progress.period.kind_label}"


def report_xlsx(progress: Progress) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "说明"
    title = report_title(progress)
    for row in _about_rows(progress, title):
        about.append(list(row))
    about.append([])
    about.append(["指标", "口径"])
    for label, definition in METRICS.values():
        about.append([label, definition])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 80
    for table in TABLES:
        _xlsx_sheet(workbook, table.title, table.header, progress.table_rows(table))
    _xlsx_sheet(workbook, "逾期与即将到期（按机构）", FIRM_HEADER, progress.firm_rows())
    return _xlsx_bytes(workbook)


def report_pdf(progress: Progress) -> bytes:
    from portal.printing import PrintDocument

    doc = PrintDocument(report_title(progress), subtitle=progress.period.label, wide=True)
    doc.paragraph(
        f"范围：{progress.scope_label}；存量截至 {progress.generated_at:%Y-%m-%d %H:%M}；"
        f"统计区间 {progress.period.start:%Y-%m-%d} 至 {progress.period.end:%Y-%m-%d}。",
        indent=False,
    )
    for table in TABLES:
        doc.heading(table.title)
        doc.table(table.header, progress.table_rows(table))
    doc.heading("逾期与即将到期任务（按鉴定机构）")
    if progress.by_firm:
        doc.table(FIRM_HEADER, progress.firm_rows())
    else:
        doc.paragraph("无逾期或即将到期任务。", indent=False)
    doc.heading("指标口径")
    for label, definition in METRICS.values():
        doc.paragraph(f"{label}：{definition}", indent=False)
    return doc.render()


def _pdf_table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], weights) -> None:
    """A ruled table with columns in proportion to weights (PrintDocument.table shares evenly)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from reports.generator.kit import grid_table

    unit = doc.width / sum(weights)
    data = [list(header), *([str("" if c is None else c) for c in row] for row in rows)]
    doc.story.append(grid_table(data, [w * unit for w in weights], size=8.5))
    doc.story.append(Spacer(1, 3 * mm))


def circular_title(circular: Circular) -> str:
    return f"自建房安全专项整治月通报（{circular.period.label}）"


def weights_text() -> str:
    return "；".join(
        f"{CIRCULAR_COMPONENTS[k][0]} {w}%（{CIRCULAR_COMPONENTS[k][1]}）"
        for k, w in CIRCULAR_WEIGHTS.items()
    )


def circular_xlsx(circular: Circular) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "说明"
    for row in _about_rows(circular.progress, circular_title(circular)):
        about.append(list(row))
    about.append(
        [
            "综合得分",
            "各项比例按权重加权平均（满分100）；应完成数为0的项不计入，其余项按权重重新分配。",
        ]
    )
    about.append(["权重", weights_text()])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100
    _xlsx_sheet(workbook, "县区排名", circular.header, circular.export_rows())
    return _xlsx_bytes(workbook)


def circular_pdf(circular: Circular) -> bytes:
    from portal.printing import PrintDocument

    doc = PrintDocument(
        circular_title(circular), subtitle="运城市自建房安全专项整治工作领导小组办公室", wide=True
    )
    doc.paragraph(
        f"存量截至 {circular.progress.generated_at:%Y-%m-%d %H:%M}，本月新增为"
        f"{circular.period.start:%Y-%m-%d}至{circular.period.end:%Y-%m-%d}的数量。"
        f"综合得分为各项比例的加权平均（满分100），权重：{weights_text()}。"
        "应完成数为0的项不计入，其余项按权重重新分配。",
    )
    doc.heading("县区排名")
    header = circular.text_header
    weights = [0.6, 1.1, 0.9, *([1.7] * len(CIRCULAR_WEIGHTS))]
    weights += [0.9] * (len(header) - len(weights))
    _pdf_table(doc, header, circular.text_rows(), weights)
    return doc.render()
