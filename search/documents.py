"""What a report looks like to search, and the plain values every backend takes and returns.

`ReportDocument` is built from the database in one place (`documents_for`), so both backends
index exactly the same thing. The pipeline's `extracted` JSON is read only by `version_sections`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from reports.models import ReportVersion

# Field groups, most important first; backends weight matches in that order.
GROUPS = ("conclusion", "facts", "body", "captions")
GROUP_LABELS = {
    "conclusion": "鉴定结论",
    "facts": "报告要素",
    "body": "正文",
    "captions": "照片说明",
}

# Sections that are the conclusion group; keys of the pipeline or words of a heading.
CONCLUSION_SECTIONS = ("conclusion", "recommendation", "结论", "建议", "意见", "评定")
CAPTION_SECTIONS = ("appendix", "photo", "caption", "照片", "附件", "附图", "附录")

YEAR_BUCKETS = (
    (1980, "1980年及以前"),
    (1990, "1981–1990年"),
    (2000, "1991–2000年"),
    (2010, "2001–2010年"),
    (2015, "2011–2015年"),
    (9999, "2016年及以后"),
)
FLOOR_BUCKETS = ((1, "1层"), (2, "2层"), (3, "3层"), (6, "4–6层"), (999, "7层及以上"))
UNKNOWN = "未知"
NON_BUSINESS = "非经营性"


def year_bucket(year: int | None) -> str:
    if not year:
        return UNKNOWN
    return next(label for limit, label in YEAR_BUCKETS if year <= limit)


def floors_bucket(floors: int | None) -> str:
    if not floors:
        return UNKNOWN
    return next(label for limit, label in FLOOR_BUCKETS if floors <= limit)


def business_category(is_business: bool, business_use: str) -> str:
    if business_use:
        return business_use
    return "经营性（未注明用途）" if is_business else NON_BUSINESS


# ------------------------------------------------------------------------------ the adapter


def version_sections(version: ReportVersion) -> list[tuple[str, str]]:
    """(section key or heading, text) of a version's body: the ONE reader of `extracted`.

    Tries, in order: `extracted["sections"]` (a list of {key|name|title, text} or a mapping
    key -> text or -> {text}), `extracted["text"]` (or "pages" with text), else nothing (the
    contract fields are indexed separately). The pipeline's shape is not settled yet: adjust
    only this function when it is.
    """
    extracted = version.extracted if isinstance(version.extracted, dict) else {}
    sections = extracted.get("sections")
    out: list[tuple[str, str]] = []
    if isinstance(sections, dict):
        sections = [
            {"key": k, **(v if isinstance(v, dict) else {"text": v})} for k, v in sections.items()
        ]
    if isinstance(sections, list):
        for s in sections:
            if isinstance(s, dict):
                key = s.get("key") or s.get("kind") or s.get("name") or s.get("title") or "body"
                text = s.get("text") or "\n".join(map(str, s.get("paragraphs") or []))
                if isinstance(text, str) and text.strip():
                    out.append((str(key), text))
    if out:
        return out
    if isinstance(extracted.get("text"), str) and extracted["text"].strip():
        return [("body", extracted["text"])]
    pages = extracted.get("pages")
    if isinstance(pages, list):
        text = "\n".join(
            p.get("text", "")
            for p in pages
            if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
        if text.strip():
            return [("body", text)]
    return []


def section_group(key: str) -> str:
    k = key.lower()
    if any(word in k for word in CONCLUSION_SECTIONS):
        return "conclusion"
    if any(word in k for word in CAPTION_SECTIONS):
        return "captions"
    return "body"


# ------------------------------------------------------------------------------ documents


@dataclass
class ReportDocument:
    """One accepted report, as every backend indexes it."""

    report_id: int
    version_id: int
    building_id: int | None
    report_no: str
    building_no: str
    grade: str
    county_id: int | None
    county: str
    firm_id: int | None
    firm: str
    structure_type: str
    floors: int | None
    year_built: int | None
    business_use: str
    appraisal_type: str
    date: dt.date | None
    standards: list[str]
    text: dict[str, str]  # GROUPS -> text
    address: str = ""

    @property
    def floors_bucket(self) -> str:
        return floors_bucket(self.floors)

    @property
    def year_bucket(self) -> str:
        return year_bucket(self.year_built)


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "，".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return "；".join(str(v) for v in value if v)
    return str(value)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def document_for(version: ReportVersion, captions: Iterable[str] = ()) -> ReportDocument:
    """The document of a version; needs report.task.building.county and report.firm loaded."""
    report = version.report
    building = report.task.building
    f = version.fields if isinstance(version.fields, dict) else {}
    grade = _s(f.get("grade")).upper().removesuffix("级")[:4]
    seismic = f.get("seismic") if isinstance(f.get("seismic"), dict) else {}
    text: dict[str, list[str]] = {g: [] for g in GROUPS}
    if grade:
        text["conclusion"].append(f"鉴定结论：房屋危险性等级评定为{grade}级。")
    if f.get("recommendation"):
        text["conclusion"].append(f"处理建议：{_s(f['recommendation'])}")
    business = business_category(building.is_business, building.business_use)
    text["facts"] += [
        f"报告编号：{_s(f.get('report_no'))}",
        f"鉴定机构：{report.firm.name}",
        f"房屋编号：{building.building_no} 地址：{_s(f.get('address')) or building.address}",
        f"县区：{building.county.name} {building.township}{building.village}",
        f"产权人：{_s(f.get('owner')) or building.owner}",
        f"鉴定类别：{_s(f.get('appraisal_type'))} 结构类型：{building.structure_type or _s(f.get('structure_type'))}",
        f"层数：{building.floors}层 承载体系：{_s(f.get('load_system'))}",
        f"抗震：{_s(seismic.get('intensity'))} {_s(seismic.get('conclusion'))}",
        f"用途：{business}",
        f"鉴定依据：{_s(f.get('standards'))}",
    ]
    for key, body in version_sections(version):
        text[section_group(key)].append(body)
    text["captions"] += [c for c in captions if c]
    standards = (
        [s for s in (f.get("standards") or []) if isinstance(s, str)]
        if isinstance(f.get("standards"), list)
        else []
    )
    return ReportDocument(
        report_id=report.pk,
        version_id=version.pk,
        building_id=building.pk,
        report_no=_s(f.get("report_no"))[:100],
        building_no=building.building_no,
        grade=grade,
        county_id=building.county_id,
        county=building.county.name,
        firm_id=report.firm_id,
        firm=report.firm.name,
        structure_type=building.structure_type or _s(f.get("structure_type")),
        floors=building.floors or (f.get("floors") if isinstance(f.get("floors"), int) else None),
        year_built=building.year_built,
        business_use=business,
        appraisal_type=_s(f.get("appraisal_type")) or report.task.get_appraisal_type_display(),
        date=_date(f.get("date")),
        standards=list(dict.fromkeys(s[:60] for s in standards)),
        text={g: "\n".join(parts) for g, parts in text.items()},
        address=building.address or _s(f.get("address")),
    )


def documents_for(report_ids: Iterable[int]) -> tuple[list[ReportDocument], list[int]]:
    """Documents for the reports that belong in the index (current version accepted), and the
    ids of the others (to delete from it). Three queries whatever the number of reports."""
    from reports.models import Report, ReportPhoto, ReportState

    ids = list(dict.fromkeys(report_ids))
    reports = {
        r.pk: r
        for r in Report.objects.filter(pk__in=ids).select_related(
            "current_version", "task__building__county", "firm"
        )
    }
    indexable = {
        pk: r
        for pk, r in reports.items()
        if r.current_version is not None and r.current_version.state == ReportState.ACCEPTED
    }
    captions: dict[int, list[str]] = {}
    photos = ReportPhoto.objects.filter(
        version_id__in=[r.current_version_id for r in indexable.values()]
    )
    for version_id, caption in photos.values_list("version_id", "caption"):
        captions.setdefault(version_id, []).append(caption)
    docs = []
    for r in indexable.values():
        version = r.current_version
        version.report = r
        docs.append(document_for(version, captions.get(version.pk, ())))
    return docs, [pk for pk in ids if pk not in indexable]


def indexable_report_ids() -> Iterable[int]:
    from reports.models import Report, ReportState

    return (
        Report.objects.filter(current_version__state=ReportState.ACCEPTED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=2000)
    )


# ------------------------------------------------------------------------------ queries


FACETS = (
    "grade",
    "county",
    "structure_type",
    "floors_bucket",
    "year_bucket",
    "business_use",
    "appraisal_type",
    "firm",
    "standard",
    "year",
)
FACET_LABELS = {
    "grade": "危险性等级",
    "county": "县区",
    "structure_type": "结构类型",
    "floors_bucket": "层数",
    "year_bucket": "建成年代",
    "business_use": "经营用途",
    "appraisal_type": "鉴定类别",
    "firm": "鉴定机构",
    "standard": "引用标准",
    "year": "报告年份",
}
# Facets whose values are ids (county, firm): filters take ids, facet values carry a label.
ID_FACETS = ("county", "firm")
# Facets that are one single-valued field of the indexed document, named alike in every
# backend (the database entry's columns, the Elasticsearch fields); "standard" is the
# multi-valued one.
FIELD_FACETS = {
    "grade": "grade",
    "county": "county_id",
    "structure_type": "structure_type",
    "floors_bucket": "floors_bucket",
    "year_bucket": "year_bucket",
    "business_use": "business_use",
    "appraisal_type": "appraisal_type",
    "firm": "firm_id",
    "year": "year",
}
# Numbers a filter value may be: ids fit a bigint, years four digits (else it matches nothing).
NUMBER_DIGITS = {"county": 18, "firm": 18, "year": 4}
SORTS = {"relevance": "相关度", "newest": "日期（新→旧）", "oldest": "日期（旧→新）"}


@dataclass(frozen=True)
class SearchQuery:
    """A search. `filters` maps a facet name to the accepted values (any of them matches);
    `scope` holds the filters that come from the user's rights, never from the request."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    scope: dict[str, int] = field(default_factory=dict)  # {"county": id} | {"firm": id}
    facets: tuple[str, ...] = FACETS
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20


def filter_values(query: SearchQuery) -> dict[str, list[Any]]:
    """The query's filters as every backend applies them: the non-empty values of known facets
    (any of them matches), ids and years as numbers; a value that cannot be one (not digits,
    too long) becomes -1, which matches nothing."""
    out: dict[str, list[Any]] = {}
    for name, values in query.filters.items():
        values = [v for v in values if v != ""]
        if not values or (name not in FIELD_FACETS and name != "standard"):
            continue
        if name in NUMBER_DIGITS:
            digits = NUMBER_DIGITS[name]
            values = [int(v) for v in map(str, values) if v.isdigit() and len(v) <= digits]
            values = values or [-1]
        out[name] = values
    return out


@dataclass
class SearchHit:
    report_id: int
    version_id: int
    score: float
    snippet: str  # safe HTML: escaped text with <mark> around matches
    report_no: str = ""
    grade: str = ""
    county: str = ""
    firm: str = ""
    date: dt.date | None = None
    building_no: str = ""
    address: str = ""
    structure_type: str = ""
    floors: int | None = None


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class VersionCheck:
    """SQL selecting the version ids a user may be shown (search.service.indexable_check),
    for a backend that reads its hits from the database to check them in that statement."""

    sql: str
    params: tuple[Any, ...]


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # The version ids among the hits that the VersionCheck passed to search() holds,
    # checked in the statement that read the hits; None: not checked (the caller checks).
    visible: frozenset[int] | None = None
