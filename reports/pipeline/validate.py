"""Stage 5: document rules. Each rule is a small function of the parsed report returning problems.

Platform checks that need the database (ledger agreement, firm eligibility) are not here: they
use the parsed fields elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import standards as standards_mod
from .fields import GRADES, Fields
from .problems import (
    GRADE_RECOMMENDATION_CONFLICT,
    INCONSISTENT_FLOORS,
    INVALID_GRADE,
    MISSING_GRADE,
    MISSING_SECTION,
    OUTDATED_STANDARD,
    STANDARD_NOT_YET_EFFECTIVE,
    UNKNOWN_STANDARD,
    Problem,
    Severity,
)
from .sections import SectionsResult

# Required sections per appraisal type (data). A 危险性鉴定 must evaluate seismic performance and
# conclude with a grade and a recommendation; its descriptive sections are expected (warnings).
# A 安全评估 (recently built houses with complete 设计/施工/监理/验收 records) is lighter: the
# same three content sections are required (a missing seismic evaluation is a defect for any
# report, as DOMAIN §5 asks and as reports.generator's truth has it), but of the descriptive
# sections only 概况 and 鉴定依据 are expected: inspection and structural analysis may rest on
# the documents. An unknown type gets the full set.
REQUIRED_SECTIONS: dict[str, tuple[tuple[str, Severity], ...]] = {
    "危险性鉴定": (
        ("conclusion", "blocking"),
        ("seismic", "blocking"),
        ("recommendation", "blocking"),
        ("overview", "warning"),
        ("basis", "warning"),
        ("inspection", "warning"),
        ("structure", "warning"),
    ),
    "安全评估": (
        ("conclusion", "blocking"),
        ("seismic", "blocking"),
        ("recommendation", "blocking"),
        ("overview", "warning"),
        ("basis", "warning"),
    ),
}
DEFAULT_TYPE = "危险性鉴定"

SECTION_NAMES_ZH = {
    "overview": "房屋概况",
    "basis": "鉴定依据",
    "inspection": "现场检查检测",
    "structure": "结构体系与承载能力",
    "seismic": "抗震性能评价",
    "conclusion": "鉴定结论",
    "recommendation": "处理建议",
    "appendix": "附件",
}
MISSING_MESSAGES = {
    "conclusion": "报告缺少鉴定结论章节，没有写明房屋危险性等级；请补充鉴定结论并写明A、B、C或D级。",
    "seismic": "报告缺少抗震性能评价章节；请补充抗震设防烈度、抗震措施核查和抗震鉴定结论"
    "（满足/不满足/局部不满足抗震鉴定要求）。",
    "recommendation": "报告缺少处理建议（处理意见）章节；请根据鉴定结论补充处理建议"
    "（如观察使用、处理使用、停止使用、整体拆除）。",
}


@dataclass(frozen=True)
class SectionIndex:
    """What the rules need to know about sections: which have content, and where they start."""

    first_pages: dict[str, int | None]  # key -> page of its first section with content

    @classmethod
    def of(cls, sections: SectionsResult | Iterable[Any]) -> SectionIndex:
        """From ``SectionsResult`` or from ``SectionInfo``/dicts (``keys``, ``pages``, ``text``)."""
        items = sections.sections if isinstance(sections, SectionsResult) else sections
        first: dict[str, int | None] = {}
        for item in items:
            if isinstance(item, dict):
                keys, pages, empty = item["keys"], item["pages"], not item["text"].strip()
            elif hasattr(item, "empty"):
                keys, pages, empty = item.keys, item.pages, item.empty
            else:
                keys, pages, empty = item.keys, item.pages, not item.text.strip()
            if empty:
                continue
            for key in keys:
                first.setdefault(key, pages[0] if pages else None)
        return cls(first)

    def present(self, key: str) -> bool:
        return key in self.first_pages

    def page(self, key: str) -> int | None:
        return self.first_pages.get(key)


# A filled field read only from its section shows the section is there (also when a firm
# corrects a field the parser missed).
SECTION_FIELDS = {"conclusion": "grade", "seismic": "seismic", "recommendation": "recommendation"}


@dataclass(frozen=True)
class Context:
    fields: Fields
    sections: SectionIndex
    on_date: dt.date  # the report date, or today when the report has none

    def has(self, key: str) -> bool:
        name = SECTION_FIELDS.get(key)
        if name is not None and getattr(self.fields, name) is not None:
            return True
        if key == "conclusion" and self.fields.printed_grade is not None:
            return True
        return self.sections.present(key)


Rule = Callable[[Context], Iterable[Problem]]


def _section_code(key: str) -> str:
    return MISSING_GRADE if key == "conclusion" else f"{MISSING_SECTION}:{key}"


def required_sections(ctx: Context) -> Iterator[Problem]:
    kind = ctx.fields.appraisal_type
    required = REQUIRED_SECTIONS.get(kind or "", REQUIRED_SECTIONS[DEFAULT_TYPE])
    for key, severity in required:
        if ctx.has(key):
            continue
        name = SECTION_NAMES_ZH.get(key, key)
        message = MISSING_MESSAGES.get(key, f"报告缺少{name}章节，请补充。")
        yield Problem(_section_code(key), severity, message, field=SECTION_FIELDS.get(key))


def grade_valid(ctx: Context) -> Iterator[Problem]:
    fields = ctx.fields
    if not ctx.has("conclusion"):
        return  # reported by required_sections
    page = fields.pages.get("grade") or ctx.sections.page("conclusion")
    if fields.grade in GRADES:
        return
    printed = fields.grade if fields.grade is not None else fields.printed_grade
    if printed is not None:
        yield Problem(
            INVALID_GRADE,
            "blocking",
            f"鉴定结论中的危险性等级“{printed}级”不存在；"
            "按JGJ 125-2016，房屋危险性等级只能评为A、B、C、D级，请更正。",
            page,
            "grade",
        )
    else:
        yield Problem(
            MISSING_GRADE,
            "blocking",
            "鉴定结论中没有写明房屋危险性等级；请写明“该房屋危险性等级评定为X级”（A、B、C或D级）。",
            page,
            "grade",
        )


_NORMAL_USE_RE = re.compile(r"正常使用")
_CONDITIONAL_RE = re.compile(r"[后待经前不未无须需]")
_STOP_RE = re.compile(r"停止使用|拆除|撤离|禁止使用|不得使用|封闭")


def _says_normal_use(text: str) -> bool:
    """An unconditional 「可正常使用」 clause (not 「加固后可正常使用」, not 「不能正常使用」)."""
    for clause in re.split(r"[，,；;。、]", text):
        if _NORMAL_USE_RE.search(clause) and not _CONDITIONAL_RE.search(clause):
            return True
    return False


def grade_recommendation(ctx: Context) -> Iterator[Problem]:
    grade, text = ctx.fields.grade, ctx.fields.recommendation
    if grade not in ("C", "D") or not text:
        return
    page = ctx.fields.pages.get("recommendation")
    if _says_normal_use(text):
        yield Problem(
            GRADE_RECOMMENDATION_CONFLICT,
            "blocking",
            f"危险性等级为{grade}级（{'局部危房' if grade == 'C' else '整幢危房'}），处理建议却是“{text}”；"
            f"{grade}级房屋不得建议正常使用，请按JGJ 125-2016第7.0.5条改为观察使用、处理使用、"
            "停止使用或整体拆除。",
            page,
            "recommendation",
        )
    elif grade == "D" and not _STOP_RE.search(text):
        yield Problem(
            GRADE_RECOMMENDATION_CONFLICT,
            "blocking",
            f"危险性等级为D级（整幢危房），处理建议“{text}”中没有停止使用或拆除；"
            "请按JGJ 125-2016第7.0.5条写明停止使用或整体拆除。",
            page,
            "recommendation",
        )


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def standards_current(ctx: Context) -> Iterator[Problem]:
    codes = ctx.fields.standards or ()
    page = ctx.fields.pages.get("standards") or ctx.sections.page("basis")
    for code in codes:
        state = standards_mod.status(code, ctx.on_date)
        edition = standards_mod.lookup(code)
        if state == "withdrawn" and edition is not None:
            current = standards_mod.replacement(code, ctx.on_date)
            instead = f"请改用现行标准{current.code}。" if current else "请改用现行版本。"
            withdrawn = edition.withdrawn_on
            when = f"已于{_zh_date(withdrawn)}废止" if withdrawn else "已废止"
            yield Problem(
                f"{OUTDATED_STANDARD}:{code}",
                edition.severity_when_withdrawn,
                f"引用的{code}{when}，{instead}",
                page,
                "standards",
            )
        elif state == "not_yet" and edition is not None:
            yield Problem(
                f"{STANDARD_NOT_YET_EFFECTIVE}:{code}",
                "warning",
                f"引用的{code}自{_zh_date(edition.valid_from)}起实施，晚于报告日期"
                f"{_zh_date(ctx.on_date)}；请核对所引用的版本。",
                page,
                "standards",
            )
        elif state == "unknown":
            yield Problem(
                f"{UNKNOWN_STANDARD}:{code}",
                "warning",
                f"鉴定依据中的{code}不在标准库中，无法自动核对是否现行；请人工核对。",
                page,
                "standards",
            )


def floors_consistent(ctx: Context) -> Iterator[Problem]:
    mentions = ctx.fields.floor_mentions
    values = sorted({m.value for m in mentions})
    if len(values) <= 1:
        return
    first = {}
    for mention in mentions:
        first.setdefault(mention.value, mention)
    detail = "；".join(
        f"第{first[v].page}页{SECTION_NAMES_ZH.get(first[v].where, '封面')}写“{first[v].text}”"
        for v in values
    )
    # Point at the statement that disagrees with the overview's.
    anchor = next((m for m in mentions if m.value != ctx.fields.floors), mentions[0])
    yield Problem(
        INCONSISTENT_FLOORS,
        "blocking",
        f"报告中房屋层数前后不一致（{detail}）；请核对房屋实际层数并统一全文。",
        anchor.page,
        "floors",
    )


RULES: tuple[Rule, ...] = (
    required_sections,
    grade_valid,
    grade_recommendation,
    standards_current,
    floors_consistent,
)


def validate(
    fields: Fields,
    sections: SectionsResult | SectionIndex,
    *,
    today: dt.date | None = None,
    rules: Iterable[Rule] = RULES,
) -> tuple[Problem, ...]:
    """The problems of a parsed report; ``today`` stands in for a missing report date."""
    on_date = _report_date(fields.date) or today or dt.date.today()
    index = sections if isinstance(sections, SectionIndex) else SectionIndex.of(sections)
    ctx = Context(fields, index, on_date)
    problems: list[Problem] = []
    seen: set[str] = set()
    for rule in rules:
        for problem in rule(ctx):
            if problem.code not in seen:
                seen.add(problem.code)
                problems.append(problem)
    return tuple(problems)


def _report_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


__all__ = ["GRADES", "REQUIRED_SECTIONS", "RULES", "Context", "SectionIndex", "validate"]
