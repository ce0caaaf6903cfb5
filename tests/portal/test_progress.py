"""Progress metrics (portal.progress) on hand-built data: every number, scope, period and score."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from buildings.models import Building, ControlMeasure, Judgement, Rectification
from portal.progress import (
    CIRCULAR_WEIGHTS,
    METRICS,
    Period,
    ProgressError,
    circular_for,
    components_of,
    custom_period,
    month_period,
    period_for,
    progress_for,
    score_of,
)
from reports.assignments import task_create
from reports.models import AppraisalTask, Report, ReportVersion, TaskState
from tests.factories import AppraisalFirmFactory, BuildingFactory, county

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 3, 15)
D = dt.date


def at(y, m, d, hh=12, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def task_for(building, state=TaskState.OPEN, *, firm=None, due=None, created=None):
    task = task_create(building=building, actor=None)
    fields = {"state": state, "firm": firm if state != TaskState.OPEN else None}
    if due:
        fields["due_date"] = due
    fields["created_at"] = created or at(2025, 2, 15)
    AppraisalTask.objects.filter(pk=task.pk).update(**fields)
    task.refresh_from_db()
    return task


def accepted(task, grade, when, user):
    report = Report.objects.create(task=task, firm=task.firm, accepted_at=when)
    version = ReportVersion.objects.create(
        report=report,
        number=1,
        file="reports/r.pdf",
        original_name="r.pdf",
        size=1,
        sha256=f"{task.pk:064d}",
        uploaded_by=user,
        state="accepted",
        fields={"grade": grade},
    )
    report.current_version = version
    report.save(update_fields=["current_version"])
    return report


def measure(building, user, started, ended=None):
    return ControlMeasure.objects.create(
        building=building,
        kind="停止使用",
        started_on=started,
        ended_on=ended,
        lifted_at=at(ended.year, ended.month, ended.day) if ended else None,
        lifted_by=user if ended else None,
        responsible="李四",
        recorded_by=user,
    )


def plan(building, user, progress, completed=None):
    return Rectification.objects.create(
        building=building,
        measure="维修加固",
        department="住建部门",
        responsible="王五",
        deadline=D(2025, 6, 30),
        progress=progress,
        completed_at=completed,
        created_by=user,
        updated_by=user,
    )


@dataclass
class Scene:
    yanhu: object
    linyi: object
    firm: object
    b: dict


@pytest.fixture
def scene(personas) -> Scene:
    return build_scene(personas)


def build_scene(personas) -> Scene:
    """Nine buildings in 盐湖区 and two in 临猗县; each comment says which numbers it feeds."""
    user = personas.city_bureau
    firm = AppraisalFirmFactory(name="甲鉴定公司")
    y, lin = county("140802"), county("140821")
    mk = BuildingFactory
    b = {}
    # Doubtful, no task: flagged, doubtful, doubtful_open.
    b[1] = mk(initial_judgement=Judgement.DOUBTFUL)
    # Doubtful, open task overdue on TODAY, created in 中旬.
    b[2] = mk(initial_judgement=Judgement.DOUBTFUL)
    task_for(b[2], due=D(2025, 3, 1), created=at(2025, 3, 12, 9))
    # Doubtful, appraised C (accepted on the last minute of 上旬), controlled, rectifying.
    b[3] = mk(initial_judgement=Judgement.DOUBTFUL, appraisal_grade="C", control_required=True)
    accepted(task_for(b[3], TaskState.APPROVED, firm=firm), "C", at(2025, 3, 10, 23, 59), user)
    measure(b[3], user, D(2025, 3, 10))
    plan(b[3], user, "整治中")
    # Serious, no task: requires control, uncontrolled, no plan.
    b[4] = mk(initial_judgement=Judgement.SERIOUS)
    # Some hazard, accepted task due after TODAY: active, not overdue.
    b[5] = mk(initial_judgement=Judgement.SOME)
    task_for(b[5], TaskState.ACCEPTED, firm=firm, due=D(2025, 4, 1))
    # No hazard, closed A report accepted at the first minute of 中旬.
    b[6] = mk(appraisal_grade="A")
    accepted(task_for(b[6], TaskState.CLOSED, firm=firm), "A", at(2025, 3, 11, 0, 0), user)
    # Appraised D (lower-case in the report) in February; rectified in 中旬; control lifted.
    b[7] = mk(appraisal_grade="D", control_required=False)
    accepted(task_for(b[7], TaskState.CLOSED, firm=firm), "d", at(2025, 2, 28), user)
    measure(b[7], user, D(2025, 1, 5), ended=D(2025, 3, 1))
    plan(b[7], user, "已整治", completed=at(2025, 3, 20, 10))
    # Report submitted, waiting for review.
    b[8] = mk()
    task_for(b[8], TaskState.SUBMITTED, firm=firm)
    # Serious, appraised without a grade in the report: grade_other; requires control.
    b[9] = mk(initial_judgement=Judgement.SERIOUS)
    accepted(task_for(b[9], TaskState.APPROVED, firm=firm), "", at(2025, 3, 5), user)
    # 临猗县: a doubtful building offered to the firm and overdue; one with nothing.
    b[10] = mk(initial_judgement=Judgement.DOUBTFUL, county=lin, building_no="140821-000001")
    task_for(b[10], TaskState.OFFERED, firm=firm, due=D(2025, 3, 10))
    b[11] = mk(county=lin, building_no="140821-000002")
    return Scene(y, lin, firm, b)


YANHU = {
    "surveyed": 9,
    "flagged": 6,
    "doubtful": 3,
    "doubtful_open": 2,
    "tasked": 7,
    "appraised": 4,
    "grade_a": 1,
    "grade_b": 0,
    "grade_c": 1,
    "grade_d": 1,
    "grade_other": 1,
    "requiring_control": 3,
    "controlled": 1,
    "uncontrolled": 2,
    "rect_no_plan": 2,
    "rect_pending": 0,
    "rect_in_progress": 1,
    "rectified": 1,
    "tasks_open": 1,
    "tasks_active": 2,
    "tasks_submitted": 1,
    "tasks_overdue": 1,
}
LINYI = {
    **dict.fromkeys(YANHU, 0),
    "surveyed": 2,
    "flagged": 1,
    "doubtful": 1,
    "doubtful_open": 1,
    "tasked": 1,
    "tasks_active": 1,
    "tasks_overdue": 1,
}
STOCK = tuple(YANHU)


def stock(row):
    return {k: row.values[k] for k in STOCK}


def by_name(progress):
    return {c.name: c for c in progress.counties}


def test_every_stock_number_of_each_county_and_the_total(scene, personas):
    p = progress_for(personas.city_bureau, today=TODAY)
    rows = by_name(p)
    assert len(p.counties) == 13  # every county, those without buildings as zeros
    assert stock(rows["盐湖区"]) == YANHU
    assert stock(rows["临猗县"]) == LINYI
    assert stock(rows["万荣县"]) == dict.fromkeys(STOCK, 0)
    assert stock(p.total) == {k: YANHU[k] + LINYI[k] for k in STOCK}
    assert p.scope_label == "全市"


def test_stages_reuse_the_projects_rules(scene, personas):
    from buildings.control import uncontrolled
    from buildings.selectors import doubtful_without_conclusion

    p = progress_for(personas.city_bureau, today=TODAY)
    everything = Building.objects.all()
    assert p.total.requiring_control == everything.requiring_control().count()
    assert p.total.uncontrolled == uncontrolled(everything).count()
    assert p.total.doubtful_open == doubtful_without_conclusion(everything).count()


def test_funnel_order_and_values(scene, personas):
    p = progress_for(personas.city_bureau, today=TODAY)
    assert p.funnel() == [
        ("排查房屋", 11),
        ("初判存疑/隐患", 7),
        ("已建鉴定任务", 8),
        ("已出鉴定结论", 4),
        ("需管控", 3),
        ("已落实管控", 1),
        ("已整治", 1),
    ]


def test_overdue_by_firm_and_by_county(scene, personas):
    p = progress_for(personas.city_bureau, today=TODAY)
    firms = {f["name"]: f for f in p.by_firm}
    assert firms == {
        "（待分派）": {"name": "（待分派）", "overdue": 1, "due_soon": 0, "active": 1},
        "甲鉴定公司": {"name": "甲鉴定公司", "overdue": 1, "due_soon": 0, "active": 2},
    }
    assert [(c.name, c.tasks_overdue) for c in p.counties[:2]] == [("盐湖区", 1), ("临猗县", 1)]
    # A task is not overdue on its due date, only after it.
    q = progress_for(personas.city_bureau, today=D(2025, 3, 10))
    assert by_name(q)["临猗县"].tasks_overdue == 0


def test_county_staff_see_only_their_county(scene, personas):
    p = progress_for(personas.county_bureau, today=TODAY)
    assert [c.name for c in p.counties] == ["盐湖区"]
    assert stock(p.total) == YANHU
    assert p.scope_label == "盐湖区"
    assert {f["name"] for f in p.by_firm} == {
        "（待分派）"
    }  # the firm's only overdue task is in 临猗
    assert stock(progress_for(personas.other_county_bureau, today=TODAY).total) == LINYI
    with pytest.raises(ProgressError, match="不在您的管辖范围"):
        progress_for(personas.county_bureau, county=scene.linyi, today=TODAY)


def test_city_staff_can_narrow_to_one_county(scene, personas):
    p = progress_for(personas.city_bureau, county=scene.linyi, today=TODAY)
    assert [c.name for c in p.counties] == ["临猗县"]
    assert stock(p.total) == LINYI
    assert p.scope_label == "临猗县"
    assert p.single_county and len(p.tables()[0]["rows"]) == 1  # no 合计 row for one county


def flows(user, period):
    p = progress_for(user, period=period, today=TODAY)
    keys = ("tasks_created", "appraised_in_period", "appraised_cd_in_period")
    keys += ("controls_started", "rectifications_completed")
    return {k: p.total.values[k] for k in keys}


def test_flows_within_a_period_respect_local_midnight(scene, personas):
    user = personas.city_bureau
    assert flows(user, period_for("xun", D(2025, 3, 1))) == {
        "tasks_created": 0,
        "appraised_in_period": 2,  # b3 at 23:59 on the 10th, b9
        "appraised_cd_in_period": 1,
        "controls_started": 1,
        "rectifications_completed": 0,
    }
    assert flows(user, period_for("xun", D(2025, 3, 15))) == {
        "tasks_created": 1,
        "appraised_in_period": 1,  # b6 at 00:00 on the 11th
        "appraised_cd_in_period": 0,
        "controls_started": 0,
        "rectifications_completed": 1,
    }
    assert flows(user, period_for("month", D(2025, 3, 31))) == {
        "tasks_created": 1,
        "appraised_in_period": 3,
        "appraised_cd_in_period": 1,
        "controls_started": 1,
        "rectifications_completed": 1,
    }
    february = flows(user, month_period(2025, 2))
    assert february["appraised_in_period"] == 1
    assert february["appraised_cd_in_period"] == 1  # "d" in the report counts as D
    assert february["tasks_created"] == 7  # the seven other tasks were created on 15 February
    assert flows(user, period_for("day", D(2025, 3, 20)))["rectifications_completed"] == 1
    assert flows(user, period_for("day", D(2025, 3, 21)))["rectifications_completed"] == 0


def test_stock_does_not_depend_on_the_period(scene, personas):
    a = progress_for(personas.city_bureau, period=month_period(2024, 1), today=TODAY)
    b = progress_for(personas.city_bureau, period=period_for("day", TODAY), today=TODAY)
    assert stock(a.total) == stock(b.total)


def test_progress_uses_a_fixed_number_of_queries(scene, personas, django_assert_num_queries):
    # counties, buildings GROUP BY county, tasks GROUP BY county, overdue GROUP BY firm
    with django_assert_num_queries(4):
        progress_for(personas.city_bureau, today=TODAY)
    for n in range(30):
        b = BuildingFactory(
            county=county(["140822", "140823", "140881"][n % 3]),
            building_no=f"9{n:05d}",
            initial_judgement=Judgement.SERIOUS,
        )
        task_for(b, TaskState.ACCEPTED, firm=AppraisalFirmFactory(), due=D(2025, 3, 1))
    with django_assert_num_queries(4):
        p = progress_for(personas.city_bureau, today=TODAY)
    assert p.total.surveyed == 41 and len(p.by_firm) == 32
    with django_assert_num_queries(5):  # + the scope check of the county
        progress_for(personas.city_bureau, county=scene.yanhu, today=TODAY)


@pytest.mark.parametrize(
    ("preset", "anchor", "start", "end"),
    [
        ("day", D(2025, 3, 5), D(2025, 3, 5), D(2025, 3, 5)),
        ("week", D(2025, 3, 5), D(2025, 3, 3), D(2025, 3, 9)),  # Monday to Sunday
        ("week", D(2025, 3, 9), D(2025, 3, 3), D(2025, 3, 9)),  # a Sunday is the week's end
        ("week", D(2025, 1, 1), D(2024, 12, 30), D(2025, 1, 5)),  # across a year
        ("xun", D(2025, 3, 1), D(2025, 3, 1), D(2025, 3, 10)),
        ("xun", D(2025, 3, 10), D(2025, 3, 1), D(2025, 3, 10)),
        ("xun", D(2025, 3, 11), D(2025, 3, 11), D(2025, 3, 20)),
        ("xun", D(2025, 3, 20), D(2025, 3, 11), D(2025, 3, 20)),
        ("xun", D(2025, 3, 21), D(2025, 3, 21), D(2025, 3, 31)),  # 下旬 of a 31-day month
        ("xun", D(2025, 2, 25), D(2025, 2, 21), D(2025, 2, 28)),
        ("xun", D(2024, 2, 29), D(2024, 2, 21), D(2024, 2, 29)),  # leap year
        ("xun", D(2025, 4, 30), D(2025, 4, 21), D(2025, 4, 30)),
        ("month", D(2025, 2, 14), D(2025, 2, 1), D(2025, 2, 28)),
        ("month", D(2024, 2, 14), D(2024, 2, 1), D(2024, 2, 29)),
        ("month", D(2025, 12, 31), D(2025, 12, 1), D(2025, 12, 31)),
    ],
)
def test_presets(preset, anchor, start, end):
    p = period_for(preset, anchor)
    assert (p.start, p.end, p.preset) == (start, end, preset)


@pytest.mark.parametrize(
    ("preset", "anchor", "previous", "following"),
    [
        ("day", D(2025, 3, 1), (D(2025, 2, 28), D(2025, 2, 28)), (D(2025, 3, 2), D(2025, 3, 2))),
        ("week", D(2025, 3, 5), (D(2025, 2, 24), D(2025, 3, 2)), (D(2025, 3, 10), D(2025, 3, 16))),
        ("xun", D(2025, 3, 5), (D(2025, 2, 21), D(2025, 2, 28)), (D(2025, 3, 11), D(2025, 3, 20))),
        ("xun", D(2025, 3, 25), (D(2025, 3, 11), D(2025, 3, 20)), (D(2025, 4, 1), D(2025, 4, 10))),
        (
            "month",
            D(2025, 1, 9),
            (D(2024, 12, 1), D(2024, 12, 31)),
            (D(2025, 2, 1), D(2025, 2, 28)),
        ),
    ],
)
def test_previous_and_next_period(preset, anchor, previous, following):
    p = period_for(preset, anchor)
    assert (p.shifted(-1).start, p.shifted(-1).end) == previous
    assert (p.shifted(1).start, p.shifted(1).end) == following
    assert p.shifted(1).preset == preset


def test_custom_period_and_its_errors():
    p = custom_period(D(2025, 3, 3), D(2025, 3, 12))
    assert p.days == 10 and p.label == "2025-03-03 至 2025-03-12"
    assert (p.shifted(-1).start, p.shifted(-1).end) == (D(2025, 2, 21), D(2025, 3, 2))
    with pytest.raises(ProgressError, match="开始日期不能晚于结束日期"):
        custom_period(D(2025, 3, 12), D(2025, 3, 3))
    with pytest.raises(ProgressError, match="须填写开始日期和结束日期"):
        custom_period(None, D(2025, 3, 3))
    with pytest.raises(ProgressError, match="不能超过"):
        custom_period(D(2020, 1, 1), D(2025, 3, 3))
    with pytest.raises(ProgressError, match="请选择统计周期"):
        period_for("year", D(2025, 3, 3))


def test_period_labels():
    assert period_for("xun", D(2025, 3, 25)).label == "2025年3月下旬（3月21日—31日）"
    assert period_for("xun", D(2025, 3, 5)).label == "2025年3月上旬（3月1日—10日）"
    assert period_for("week", D(2025, 3, 5)).label == "2025年3月3日—3月9日（第10周）"
    assert period_for("month", D(2025, 3, 5)).label == "2025年3月"
    assert period_for("day", D(2025, 3, 5)).label == "2025年3月5日"


def test_period_bounds_are_local_midnights():
    start, end = Period(D(2025, 3, 1), D(2025, 3, 10)).bounds()
    assert start == at(2025, 3, 1, 0, 0) and end == at(2025, 3, 11, 0, 0)


def test_every_metric_has_a_label_and_a_definition():
    assert all(label and definition for label, definition in METRICS.values())
    assert sum(CIRCULAR_WEIGHTS.values()) == 100


def test_circular_components_scores_and_ranks(scene, personas):
    c = circular_for(personas.city_bureau, period=month_period(2025, 3), today=TODAY)
    rows = {r.county.name: r for r in c.rows}
    y = rows["盐湖区"]
    assert [(x.key, x.numerator, x.denominator) for x in y.components] == [
        ("doubtful_appraised", 1, 3),
        ("controlled", 1, 3),
        ("rectified", 1, 4),  # 2 without plan + 1 in progress + 1 done
        ("on_time", 1, 2),
    ]
    # (40·1/3 + 25·1/3 + 20·1/4 + 15·1/2) / 100
    assert y.score == 34.2 and y.rank == 1
    lin = rows["临猗县"]
    # Nothing to control or rectify: those components drop out; 0/1 appraised, 0/1 on time.
    assert [x.share for x in lin.components] == [0.0, None, None, 0.0]
    assert lin.score == 0.0 and lin.rank == 2
    assert rows["万荣县"].score is None and rows["万荣县"].rank is None
    assert [r.county.name for r in c.rows[:2]] == ["盐湖区", "临猗县"]
    assert c.text_rows()[0][:4] == ["1", "盐湖区", "34.2", "33.3%（1/3）"]


def test_score_reweights_missing_components_and_ties_share_a_rank(personas):
    y, lin = county("140802"), county("140821")
    for c, no in ((y, "140802-9"), (lin, "140821-9")):
        b = BuildingFactory(county=c, building_no=no, initial_judgement=Judgement.DOUBTFUL)
        task_for(b, due=D(2030, 1, 1))
    c = circular_for(personas.city_bureau, period=month_period(2025, 3), today=TODAY)
    top = c.rows[:2]
    # Appraised 0/1 (weight 40) and on time 1/1 (weight 15): 15/55.
    assert [r.score for r in top] == [27.3, 27.3]
    assert [r.rank for r in top] == [1, 1]
    assert c.rows[2].rank is None
    assert score_of(components_of(top[0].county)) == 27.3
