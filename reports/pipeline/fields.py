"""Stage 4: the contract fields, each with the page it was read from.

Fields come from labels (「房屋编号：…」, table cells 「产权人 张三」) on the cover, in tables and in
running headers, and from phrases in the canonical sections (「承载体系为…」, 「设防烈度为8度」,
「危险性等级评定为C级」). Known vocabularies (counties with their codes, structure types) are
preferred, with tolerance for OCR character errors.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import standards as standards_mod
from .extract import TableRow
from .normalize import ENUMERATOR_RE, Line, NormalizedDocument, compact_cjk, join_with_offsets
from .sections import SectionsResult
from .vocabulary import (
    ADDRESS_PREFIXES,
    APPRAISAL_TYPES,
    CN_DIGITS,
    COUNTIES,
    FIELD_LABELS,
    FIRM_SUFFIXES,
    STRUCTURE_TYPES,
)

CONTRACT_FIELDS = (
    "report_no",
    "appraisal_type",
    "firm",
    "address",
    "county",
    "owner",
    "date",
    "building_no",
    "structure_type",
    "floors",
    "grade",
    "load_system",
    "seismic",
    "recommendation",
    "standards",
)
GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Seismic:
    intensity: str | None
    conclusion: str | None  # 满足 | 不满足 | 局部不满足

    def to_dict(self) -> dict[str, str | None]:
        return {"intensity": self.intensity, "conclusion": self.conclusion}


@dataclass(frozen=True)
class FloorMention:
    value: int
    page: int
    where: str  # "front", "table" or a section key
    text: str


@dataclass(frozen=True)
class Fields:
    report_no: str | None = None
    appraisal_type: str | None = None
    firm: str | None = None
    address: str | None = None
    county: str | None = None
    owner: str | None = None
    date: str | None = None  # ISO
    building_no: str | None = None
    structure_type: str | None = None
    floors: int | None = None
    grade: str | None = None
    load_system: str | None = None
    seismic: Seismic | None = None
    recommendation: str | None = None
    standards: tuple[str, ...] | None = None
    # Evidence, not in the contract:
    pages: dict[str, int] = field(default_factory=dict)  # field -> page it was read from
    printed_grade: str | None = None  # the grade letter as printed, even if not A-D
    floor_mentions: tuple[FloorMention, ...] = ()

    def contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in CONTRACT_FIELDS:
            value = getattr(self, name)
            if name == "seismic":
                value = value.to_dict() if value is not None else None
            elif name == "standards":
                value = list(value) if value is not None else None
            out[name] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        out = self.contract()
        out["pages"] = dict(self.pages)
        out["printed_grade"] = self.printed_grade
        out["floor_mentions"] = [
            {"value": m.value, "page": m.page, "where": m.where, "text": m.text}
            for m in self.floor_mentions
        ]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fields:
        values: dict[str, Any] = {name: data.get(name) for name in CONTRACT_FIELDS}
        if values["seismic"] is not None:
            values["seismic"] = Seismic(**values["seismic"])
        if values["standards"] is not None:
            values["standards"] = tuple(values["standards"])
        return cls(
            **values,
            pages={k: int(v) for k, v in (data.get("pages") or {}).items()},
            printed_grade=data.get("printed_grade"),
            floor_mentions=tuple(FloorMention(**m) for m in data.get("floor_mentions") or ()),
        )


# Text with pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Lines joined into paragraphs, remembering the page of every offset."""

    text: str
    starts: tuple[int, ...]
    pages: tuple[int, ...]

    @classmethod
    def of(cls, lines: Sequence[Line], *, compact: bool = False) -> Flow:
        texts = [compact_cjk(line.text) if compact else line.text for line in lines]
        text, starts = join_with_offsets(texts)
        return cls(text, tuple(starts), tuple(line.page for line in lines))

    def page_at(self, offset: int) -> int | None:
        if not self.starts:
            return None
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.pages[max(i, 0)]


# Labels --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelValue:
    field: str
    label: str
    value: str
    page: int
    where: str  # "front", "table", "furniture" or a section key
    colon: bool  # the label was followed by a colon (else by a table gap)


_LABEL_FIELD = {label: name for name, labels in FIELD_LABELS.items() for label in labels}
_LABEL_RE = re.compile(
    "(?P<label>"
    + "|".join(re.escape(label) for label in sorted(_LABEL_FIELD, key=len, reverse=True))
    + r")(?P<sep>\s*[：:]\s*|\s+|$)"
)
_BOUNDARY = " \t，。；、,;（(【[|"


_FUZZY_LABELS = tuple(label for label in _LABEL_FIELD if len(label) >= 4)


def fuzzy_label(token: str) -> str | None:
    """The 4+ character label ``token`` is with one OCR error: wrong, lost or extra character."""
    for label in _FUZZY_LABELS:
        n = len(token) - len(label)
        if n == 0 and sum(a != b for a, b in zip(token, label, strict=True)) == 1:
            return label
        if n == -1 and any(label[:i] + label[i + 1 :] == token for i in range(len(label))):
            return label
        if n == 1 and any(token[:i] + token[i + 1 :] == label for i in range(len(token))):
            return label
    return None


_FIRST_TOKEN_RE = re.compile(r"^([\u4e00-\u9fff]{3,8})(\s*[：:]\s*|\s+)(?=\S)")


def _repair_label(text: str) -> str:
    """OCR: a line starting with a misread label (「让屋地址 …」) gets the label back."""
    match = _FIRST_TOKEN_RE.match(text)
    if match is None or _LABEL_RE.match(text):
        return text
    label = fuzzy_label(match.group(1))
    return text if label is None else label + text[match.end(1) :]


def label_values(
    lines: Sequence[Line], where: str, *, next_line_values: bool = False, fuzzy: bool = False
) -> list[LabelValue]:
    """Label/value pairs on these lines (「房屋编号： 1408…」, 「层数 2 建造年代 1990年」).

    ``fuzzy`` (OCR): a label at the start of a line may have one character wrong or lost.
    """
    out: list[LabelValue] = []
    for index, line in enumerate(lines):
        text = _repair_label(line.text) if fuzzy else line.text
        matches = [
            m
            for m in _LABEL_RE.finditer(text)
            if m.start() == 0
            or text[m.start() - 1] in _BOUNDARY
            or ":" in m["sep"]
            or "：" in m["sep"]
        ]
        for n, match in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
            value = text[match.end() : end].strip()
            colon = ":" in match["sep"] or "：" in match["sep"]
            if not colon and re.search(r"\s", value):
                value = value.split()[0]  # a table row: the value is the next cell
            if not value and next_line_values and n + 1 == len(matches) and index + 1 < len(lines):
                following = lines[index + 1]
                if following.page == line.page and not _LABEL_RE.match(following.text):
                    value = following.text.strip()
            if value:
                name = _LABEL_FIELD[match["label"]]
                out.append(LabelValue(name, match["label"], value, line.page, where, colon))
    return out


def table_label_values(rows: Iterable[TableRow]) -> list[LabelValue]:
    """Pairs from pdfplumber table rows: a label cell and the next non-empty cell."""
    out: list[LabelValue] = []
    for row in rows:
        cells = [re.sub(r"\s+", "", c) if _is_label_cell(c) else c for c in row.cells]
        i = 0
        while i < len(cells):
            label = re.sub(r"\s+", "", cells[i]).rstrip("：:")
            if label in _LABEL_FIELD:
                j = i + 1
                while j < len(cells) and not cells[j].strip():
                    j += 1
                if (
                    j < len(cells)
                    and re.sub(r"\s+", "", cells[j]).rstrip("：:") not in _LABEL_FIELD
                ):
                    value = "".join(part.strip() for part in cells[j].splitlines())
                    out.append(
                        LabelValue(_LABEL_FIELD[label], label, value, row.page, "table", False)
                    )
                    i = j + 1
                    continue
            i += 1
    return out


def _is_label_cell(cell: str) -> bool:
    return re.sub(r"\s+", "", cell).rstrip("：:") in _LABEL_FIELD


# Values --------------------------------------------------------------------------------------

_CN_NUMBER_RE = r"[0-9]{1,3}|[一二三四五六七八九十两]{1,3}"


def cn_to_int(token: str) -> int | None:
    token = token.strip()
    if token.isdigit():
        return int(token)
    if not token or any(c not in CN_DIGITS and c != "十" for c in token):
        return None
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    value = 0
    for c in token:
        value = value * 10 + CN_DIGITS[c]
    return value


_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[年.\-/]\s*(?P<m>\d{1,2})\s*[月.\-/]\s*(?P<d>\d{1,2})(?!\d)"
)
_CN_DATE_RE = re.compile(
    r"(?P<y>[〇○零一二三四五六七八九O0-9]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"
)


def parse_date(text: str) -> tuple[str, int] | None:
    """(ISO date, offset) of the first date in text: 2022年9月15日, 2022.09.15, 二〇二二年九月十五日."""
    found: list[tuple[int, str]] = []
    for match in _DATE_RE.finditer(text):
        iso = _iso(int(match["y"]), int(match["m"]), int(match["d"]))
        if iso:
            found.append((match.start(), iso))
            break
    for match in _CN_DATE_RE.finditer(text):
        year = cn_to_int("".join(str(CN_DIGITS.get(c, c)) for c in match["y"]))
        month, day = cn_to_int(match["m"]), cn_to_int(match["d"])
        if year and month and day:
            iso = _iso(year, month, day)
            if iso:
                found.append((match.start(), iso))
                break
    if not found:
        return None
    offset, iso = min(found)
    return iso, offset


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_BUILDING_NO_RE = re.compile(r"(?<!\d)\d{6}-\d{6}(?!\d)")
_FIRM_RE = re.compile(
    r"([\u4e00-\u9fff（）()]{4,40}?(?:" + "|".join(FIRM_SUFFIXES) + r"))(?![\u4e00-\u9fff])"
)
_STAMP_RE = re.compile(r"[（(]\s*(?:盖章|公章|章|签章|盖公章)\s*[)）]|盖章$")
_REPORT_NO_RE = re.compile(r"^[\w\-()（）〔〕\[\]【】/.#·]+$")


def _clean_value(value: str) -> str:
    """A label's value up to the end of its clause or a wide gap, without a stamp note."""
    value = value.strip().lstrip("，,。.：:；;、|”“\"' ")  # OCR debris before the value
    value = re.split(r"[，。；;,]|\s{2,}", value, maxsplit=1)[0]
    value = _STAMP_RE.sub("", value).strip()
    return value.strip("：:，。；;,. ")


def find_county(address: str | None, building_no: str | None, *, ocr: bool = False) -> str | None:
    """The county of an address (longest-leftmost known name), else from the 房屋编号's code."""
    if address:
        hits = []
        for name in COUNTIES.values():
            pos = address.find(name)
            if pos >= 0:
                hits.append((pos, -len(name), name))
        if hits:
            return min(hits)[2]
    if building_no and building_no[:6] in COUNTIES:
        return COUNTIES[building_no[:6]]
    if address and ocr:
        misread = _misread_county(address)
        if misread:
            return misread[1]
    if address:
        rest = address
        for prefix in ADDRESS_PREFIXES:
            rest = rest.removeprefix(prefix)
        match = re.match(r"([\u4e00-\u9fff]{1,4}?[县区市])", rest)
        if match:
            return match.group(1)
    return None


def _misread_county(address: str) -> tuple[str, str] | None:
    """(as read, known name) of a county name with one OCR error (「及城县」 → 芮城县)."""
    rest = address
    for prefix in ADDRESS_PREFIXES:
        rest = rest.removeprefix(prefix)
    for name in COUNTIES.values():
        window = rest[: len(name)]
        if (
            len(window) == len(name)
            and window[-1] == name[-1]
            and sum(a != b for a, b in zip(window, name, strict=True)) == 1
        ):
            return window, name
    return None


def repair_address(address: str, building_no: str | None) -> str:
    """OCR: put back a county name the 房屋编号 confirms (「绛具卫庄镇…」 with 140826 → 「绛县卫庄镇…」)."""
    if building_no is None or building_no[:6] not in COUNTIES:
        return address
    county = COUNTIES[building_no[:6]]
    if county in address:
        return address
    rest = address
    for prefix in ADDRESS_PREFIXES:
        rest = rest.removeprefix(prefix)
    window = rest[: len(county)]
    if len(window) == len(county) and sum(a != b for a, b in zip(window, county, strict=True)) == 1:
        start = len(address) - len(rest)
        return address[:start] + county + address[start + len(county) :]
    return address


def find_structure_type(text: str, *, ocr: bool = False) -> tuple[str, int] | None:
    """(type, offset) of the first known structure type (one OCR substitution tolerated)."""
    best: tuple[int, str] | None = None
    for term in STRUCTURE_TYPES:
        pos = text.find(term)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, term)
    if best is None and ocr:
        for term in STRUCTURE_TYPES:
            if len(term) < 4 or not term.endswith("结构"):
                continue
            for pos in range(len(text) - len(term) + 1):
                window = text[pos : pos + len(term)]
                if (
                    window.endswith("结构")
                    and sum(a != b for a, b in zip(window, term, strict=True)) == 1
                ):
                    if best is None or pos < best[0]:
                        best = (pos, term)
                    break
    return (best[1], best[0]) if best else None


_FLOOR_PATTERNS = (
    re.compile(rf"地上\s*(?P<n>{_CN_NUMBER_RE})\s*层"),
    re.compile(rf"(?P<n>{_CN_NUMBER_RE})\s*层\s*[\u4e00-\u9fff]{{0,8}}?结构"),
    re.compile(rf"共\s*(?P<n>{_CN_NUMBER_RE})\s*层"),
    re.compile(rf"层数\s*(?:[：:为是]|\s)\s*(?P<n>{_CN_NUMBER_RE})(?![\d.])"),
)


def floor_mentions(flow: Flow, where: str) -> list[FloorMention]:
    out: list[FloorMention] = []
    seen: set[int] = set()
    for pattern in _FLOOR_PATTERNS:
        for match in pattern.finditer(flow.text):
            if match.start() in seen:
                continue
            value = cn_to_int(match["n"])
            if value is None or not 0 < value < 200:
                continue
            seen.update(range(match.start(), match.end()))
            page = flow.page_at(match.start()) or 0
            out.append(FloorMention(value, page, where, match.group(0)))
    out.sort(key=lambda m: flow.text.find(m.text))
    return out


_GRADE_RE = re.compile(
    r"(?:等级|评定为|鉴定为|评估为|评为|定为|属于|确定为|为)\s*(?:[：:；;]\s*)?[“\"「『]?\s*"
    r"(?P<g>[A-Za-z])\s*[”\"」』]?\s*级(?![A-Za-z])"
)
_GRADE_FALLBACK_RE = re.compile(r"(?<![A-Za-z])(?P<g>[A-Za-z])\s*级\s*(?:危险房屋|危房|房屋)")

_SEISMIC_INTENSITY_RE = re.compile(r"设防烈度\s*(?:为|是|[：:])?\s*(?P<n>[6-9]|[六七八九])\s*度")
_SEISMIC_INTENSITY_FALLBACK_RE = re.compile(r"(?<!\d)(?P<n>[6-9])\s*度\s*[（(]?\s*0\.\d+\s*g")
_SEISMIC_CONCLUSION_RE = re.compile(
    r"(?P<c>局部不满足|局部不符合|不满足|不符合|未满足|满足|符合)[^，。；;\n]{0,10}?抗震(?:鉴定|设防)?要求"
)
_SEISMIC_CONCLUSIONS = {
    "局部不满足": "局部不满足",
    "局部不符合": "局部不满足",
    "不满足": "不满足",
    "不符合": "不满足",
    "未满足": "不满足",
    "满足": "满足",
    "符合": "满足",
}

_LOAD_SYSTEM_RE = re.compile(
    r"(?:承载体系|承重体系|承重结构体系|承重方式)\s*(?:为|是|采用|[：:])\s*(?P<v>[^，。；;,\n]+)"
)
_OWNER_RE = re.compile(
    r"(?:产权人|房屋所有人|业主|户主)\s*(?:为|是|[：:])\s*(?P<v>[^，。；;,\s（(]{1,20})"
)
_ADDRESS_RE = re.compile(
    r"(?:该房屋|房屋|本房屋)?(?:位于|坐落于|座落于)\s*(?P<v>[^，。；;,\n]{4,60})"
)


# The extractor -------------------------------------------------------------------------------


@dataclass
class _Found:
    value: Any = None
    page: int | None = None


def extract_fields(
    doc: NormalizedDocument,
    sections: SectionsResult,
    *,
    table_rows: Sequence[TableRow] = (),
) -> Fields:
    ocr = doc.ocr
    pages: dict[str, int] = {}
    pairs = _all_label_values(doc, sections, table_rows)

    def put(name: str, found: _Found) -> Any:
        if found.value is not None and found.page is not None:
            pages[name] = found.page
        return found.value

    report_no = put("report_no", _report_no(pairs, ocr=ocr))
    firm = put("firm", _firm(pairs, doc, sections))
    appraisal_type = put("appraisal_type", _appraisal_type(pairs, sections))
    address = put("address", _address(pairs, sections))
    building_no = put("building_no", _building_no(pairs, doc))
    if ocr and address:
        address = repair_address(address, building_no)
    county = find_county(address, building_no, ocr=ocr)
    if county is not None:
        pages["county"] = pages.get("address") or pages.get("building_no") or 0
    owner = put("owner", _owner(pairs, sections))
    date = put("date", _date(pairs, sections))
    structure_type = put("structure_type", _structure_type(pairs, sections, ocr=ocr))
    mentions = _floor_mentions(pairs, sections)
    floors = put("floors", _floors(mentions))
    grade_found, printed = _grade(sections, doc)
    grade = put("grade", grade_found)
    if printed is not None and grade is None:
        pages.setdefault("grade", grade_found.page or 0)
    load_system = put("load_system", _load_system(pairs, sections))
    seismic = put("seismic", _seismic(sections, doc))
    recommendation = put("recommendation", _recommendation(sections, doc))
    standards = put("standards", _standards(sections))
    return Fields(
        report_no=report_no,
        appraisal_type=appraisal_type,
        firm=firm,
        address=address,
        county=county,
        owner=owner,
        date=date,
        building_no=building_no,
        structure_type=structure_type,
        floors=floors,
        grade=grade,
        load_system=load_system,
        seismic=seismic,
        recommendation=recommendation,
        standards=standards,
        pages=pages,
        printed_grade=printed,
        floor_mentions=tuple(mentions),
    )


# Where label values come from, best first.
_WHERE_RANK = {"front": 0, "table": 1, "overview": 2, "furniture": 4}


def _all_label_values(
    doc: NormalizedDocument, sections: SectionsResult, table_rows: Sequence[TableRow]
) -> list[LabelValue]:
    fuzzy = doc.ocr
    pairs = label_values(sections.front, "front", next_line_values=True, fuzzy=fuzzy)
    pairs += table_label_values(table_rows)
    for section in sections.sections:
        pairs += label_values(section.lines, section.key, fuzzy=fuzzy)
    pairs += label_values(list(doc.furniture()), "furniture", fuzzy=fuzzy)
    return sorted(pairs, key=lambda p: _WHERE_RANK.get(p.where, 3))  # stable: document order


def _first(pairs: Iterable[LabelValue], name: str) -> Iterable[LabelValue]:
    return (p for p in pairs if p.field == name)


def _report_no(pairs: Sequence[LabelValue], *, ocr: bool = False) -> _Found:
    """The number printed most often (cover, running headers): OCR misreads lose the vote."""
    votes: Counter[str] = Counter()
    first_page: dict[str, int] = {}
    for pair in _first(pairs, "report_no"):
        value = _clean_value(pair.value.split()[0]) if pair.value.split() else ""
        if ocr:
            value = re.sub(r"(?<=\d)\.(?=\d)", "-", value)  # a hyphen read as a dot
        if len(value) < 4 or not re.search(r"\d", value) or not _REPORT_NO_RE.match(value):
            continue
        if pair.label == "编号" and _BUILDING_NO_RE.fullmatch(value):
            continue
        votes[value] += 1
        first_page.setdefault(value, pair.page)
    if not votes:
        return _Found()
    order = list(first_page)
    value = max(votes, key=lambda v: (votes[v], -order.index(v)))
    return _Found(value, first_page[value])


def _firm(pairs: Sequence[LabelValue], doc: NormalizedDocument, sections: SectionsResult) -> _Found:
    for pair in _first(pairs, "firm"):
        value = _clean_value(pair.value)
        match = _FIRM_RE.search(value)
        if match:
            return _Found(match.group(1), pair.page)
    # An unlabelled firm name on the cover or in the running header.
    for line in [*sections.front, *doc.furniture()]:
        match = _FIRM_RE.match(line.text.strip())
        if match and (
            line.text.strip() == match.group(1)
            or line.text[match.end() :].strip().startswith(("报告", "鉴定", "检测", "（", "("))
        ):
            return _Found(match.group(1), line.page)
    return _Found()


def _appraisal_type(pairs: Sequence[LabelValue], sections: SectionsResult) -> _Found:
    for pair in _first(pairs, "appraisal_type"):
        value = _clean_value(pair.value)
        for word, canonical in APPRAISAL_TYPES.items():
            if word in value:
                return _Found(canonical, pair.page)
        return _Found(value, pair.page)
    for line in sections.front[:6]:
        if "报告" in line.text or "鉴定书" in line.text:
            for word, canonical in APPRAISAL_TYPES.items():
                if word in line.text:
                    return _Found(canonical, line.page)
    # A value without its label (OCR reads a cover table's columns one after the other).
    for line in sections.front:
        if line.text.strip("（）() ") in APPRAISAL_TYPES.values():
            return _Found(line.text.strip("（）() "), line.page)
    return _Found()


def _address(pairs: Sequence[LabelValue], sections: SectionsResult) -> _Found:
    for pair in _first(pairs, "address"):
        value = _clean_value(pair.value)
        if len(value) >= 4:
            return _Found(value, pair.page)
    overview = sections.get("overview")
    if overview is not None:
        flow = Flow.of(overview.lines, compact=True)
        match = _ADDRESS_RE.search(flow.text)
        if match:
            return _Found(match["v"].strip(), flow.page_at(match.start()))
    # A value without its label on the cover: a line that reads like an address.
    for line in sections.front:
        if _ADDRESS_LINE_RE.match(line.text.strip()):
            return _Found(line.text.strip(), line.page)
    return _Found()


_ADDRESS_LINE_RE = re.compile(
    "^(?:山西省)?(?:运城市)?(?:"
    + "|".join(COUNTIES.values())
    + r")[\u4e00-\u9fff0-9]{2,40}[0-9]+号$"
)


_OCR_BUILDING_NO_RE = re.compile(r"(?<!\d)\d{6}[-.·]\d{6}(?!\d)")  # OCR reads the hyphen as a dot


def _building_no(pairs: Sequence[LabelValue], doc: NormalizedDocument) -> _Found:
    pattern = _OCR_BUILDING_NO_RE if doc.ocr else _BUILDING_NO_RE
    for pair in _first(pairs, "building_no"):
        match = pattern.search(pair.value.replace(" ", ""))
        if match:
            return _Found(match.group(0)[:6] + "-" + match.group(0)[7:], pair.page)
    votes: Counter[str] = Counter()
    first_page: dict[str, int] = {}
    for line in doc.lines():
        for match in pattern.finditer(line.text):
            value = match.group(0)[:6] + "-" + match.group(0)[7:]
            votes[value] += 1
            first_page.setdefault(value, line.page)
    if votes:
        value = votes.most_common(1)[0][0]
        return _Found(value, first_page[value])
    return _Found()


def _owner(pairs: Sequence[LabelValue], sections: SectionsResult) -> _Found:
    for pair in _first(pairs, "owner"):
        value = _clean_value(pair.value.split()[0]) if pair.value.split() else ""
        if value:
            return _Found(value, pair.page)
    for key in ("overview", "front"):
        lines = sections.front if key == "front" else _section_lines(sections, key)
        flow = Flow.of(lines, compact=True)
        match = _OWNER_RE.search(flow.text)
        if match:
            return _Found(match["v"], flow.page_at(match.start()))
    return _Found()


_DATE_RANK = {"date_report": 0, "date_appraisal": 1, "date_plain": 2}


def _date(pairs: Sequence[LabelValue], sections: SectionsResult) -> _Found:
    best: tuple[int, int, str, int] | None = None
    for order, pair in enumerate(pairs):
        rank = _DATE_RANK.get(pair.field)
        if rank is None:
            continue
        parsed = parse_date(pair.value)
        if parsed is None:
            continue
        candidate = (rank, order, parsed[0], pair.page)
        if best is None or candidate < best:
            best = candidate
    if best is not None:
        return _Found(best[2], best[3])
    # An unlabelled date line on the cover (the last one: the issue date under the firm's name).
    for line in reversed(sections.front):
        parsed = parse_date(line.text)
        if parsed is not None and len(re.sub(r"\s", "", line.text)) <= 16:
            return _Found(parsed[0], line.page)
    return _Found()


def _structure_type(pairs: Sequence[LabelValue], sections: SectionsResult, *, ocr: bool) -> _Found:
    for pair in _first(pairs, "structure_type"):
        value = _clean_value(pair.value)
        found = find_structure_type(value, ocr=ocr)
        if found:
            return _Found(found[0], pair.page)
        if value:
            return _Found(value, pair.page)
    for key in ("overview", "front", "structure"):
        lines = sections.front if key == "front" else _section_lines(sections, key)
        flow = Flow.of(lines, compact=True)
        found = find_structure_type(flow.text, ocr=ocr)
        if found:
            return _Found(found[0], flow.page_at(found[1]))
    return _Found()


_FLOOR_SECTIONS = ("overview", "structure", "seismic", "conclusion")


def _floor_mentions(pairs: Sequence[LabelValue], sections: SectionsResult) -> list[FloorMention]:
    mentions: list[FloorMention] = []
    for pair in _first(pairs, "floors"):
        if pair.where not in ("front", "table", "overview"):
            continue
        match = re.match(rf"\s*({_CN_NUMBER_RE})(?![\d.])", pair.value)
        value = cn_to_int(match.group(1)) if match else None
        if value is not None and 0 < value < 200:
            where = "overview" if pair.where == "table" else pair.where
            mentions.append(FloorMention(value, pair.page, where, f"{pair.label} {pair.value}"))
    for key in _FLOOR_SECTIONS:
        lines = _section_lines(sections, key)
        if lines:
            mentions += floor_mentions(Flow.of(lines, compact=True), key)
    return mentions


def _floors(mentions: Sequence[FloorMention]) -> _Found:
    """The overview's storeys (its table or text), else the cover's, else anywhere."""
    for where in ("overview", "front"):
        for mention in mentions:
            if mention.where == where:
                return _Found(mention.value, mention.page)
    if mentions:
        return _Found(mentions[0].value, mentions[0].page)
    return _Found()


# OCR garbles headings: when a scan has no conclusion (seismic, recommendation) section, its
# statement is looked for in the whole text, in a strict form only.
_OCR_GRADE_RE = re.compile(
    r"危险性?等级\s*(?:评定|综合评定)?\s*(?:为|是|[：:；;])\s*[“\"「]?\s*(?P<g>[A-Za-z])\s*[”\"」]?\s*级"
)
_OCR_RECOMMENDATION_RE = re.compile(r"(?:处理意见|处理建议|建议)\s*[：:]\s*(?=\S)")


def _whole(doc: NormalizedDocument) -> Flow:
    return Flow.of(list(doc.lines()), compact=True)


def _grade(sections: SectionsResult, doc: NormalizedDocument) -> tuple[_Found, str | None]:
    flows = [Flow.of(section.lines, compact=True) for section in sections.all("conclusion")]
    attempts: list[tuple[list[Flow], tuple[re.Pattern[str], ...]]] = [
        (flows, (_GRADE_RE, _GRADE_FALLBACK_RE))
    ]
    if doc.ocr:  # a centred form label can land after the grade it labels
        attempts.append(([_whole(doc)], (_OCR_GRADE_RE,)))
    for candidates, patterns in attempts:
        for flow in candidates:
            for pattern in patterns:
                match = pattern.search(flow.text)
                if match:
                    letter = match["g"].upper()
                    page = flow.page_at(match.start())
                    if letter in GRADES:
                        return _Found(letter, page), letter
                    return _Found(None, page), letter
    return _Found(), None


def _load_system(pairs: Sequence[LabelValue], sections: SectionsResult) -> _Found:
    for pair in _first(pairs, "load_system"):
        value = _clean_value(pair.value)
        if value:
            return _Found(value, pair.page)
    for key in ("structure", "overview", "front"):
        lines = sections.front if key == "front" else _section_lines(sections, key)
        flow = Flow.of(lines, compact=True)
        match = _LOAD_SYSTEM_RE.search(flow.text)
        if match:
            return _Found(match["v"].strip(), flow.page_at(match.start()))
    return _Found()


def _seismic(sections: SectionsResult, doc: NormalizedDocument) -> _Found:
    lines = _section_lines(sections, "seismic")
    if not lines:
        if doc.ocr:
            found = _seismic_in(_whole(doc))
            value = found.value
            if value is not None and value.intensity and value.conclusion:
                return found  # both parts, or it is not the section
        return _Found()
    return _seismic_in(Flow.of(lines, compact=True))


def _seismic_in(flow: Flow) -> _Found:
    intensity = None
    match = _SEISMIC_INTENSITY_RE.search(flow.text) or _SEISMIC_INTENSITY_FALLBACK_RE.search(
        flow.text
    )
    if match:
        intensity = f"{cn_to_int(match['n'])}度"
    conclusion = None
    page = flow.page_at(0)
    matches = list(_SEISMIC_CONCLUSION_RE.finditer(flow.text))
    if matches:
        conclusion = _SEISMIC_CONCLUSIONS[matches[-1]["c"]]
        page = flow.page_at(matches[-1].start())
    return _Found(Seismic(intensity, conclusion), page)


_LEAD_IN_RE = re.compile(r"(?:建议|意见|措施)(?:如下)?\s*[：:]\s*")
_ITEM_RE = re.compile(r"^\s*(?:[（(]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[、.．)）](?!\d)|[①-⑳])\s*")


def main_recommendation(text: str) -> tuple[str, int] | None:
    """(recommendation, offset): the first sentence of the section that recommends something.

    「根据鉴定结论，建议：X。」 → X; a lead-in ending with a colon (「提出以下处理建议：」) → the next
    paragraph's first sentence, list number stripped; otherwise the first sentence.
    """
    offset = 0
    pending_lead_in = False
    for paragraph in text.split("\n"):
        start = offset
        offset += len(paragraph) + 1
        body = paragraph.strip()
        if not body:
            continue
        if ENUMERATOR_RE.match(body) and len(body) <= 15 and not re.search("[，。；]", body):
            continue  # a numbered subheading (「7.1 处理建议」)
        lead = _LEAD_IN_RE.search(body)
        if lead and not pending_lead_in:
            rest = body[lead.end() :]
            if not rest.strip():
                pending_lead_in = True
                continue
            body, start = rest, start + paragraph.find(rest)
        elif body.endswith(("：", ":")):
            pending_lead_in = True
            continue
        item = _ITEM_RE.match(body)
        if item:
            body, start = body[item.end() :], start + item.end()
        sentence = re.match(r"[^。；;!?！？]+", body)
        if sentence:
            value = sentence.group(0).strip().rstrip("，,、 ")
            if value:
                return value, start
    return None


def _recommendation(sections: SectionsResult, doc: NormalizedDocument) -> _Found:
    for section in sections.all("recommendation"):
        flow = Flow.of(section.lines)
        found = main_recommendation(flow.text)
        if found:
            return _Found(found[0], flow.page_at(found[1]))
    if doc.ocr and not sections.all("recommendation"):
        flow = Flow.of(list(doc.lines()))
        lead = _OCR_RECOMMENDATION_RE.search(flow.text)
        if lead:
            found = main_recommendation(flow.text[lead.start() :])
            if found:
                return _Found(found[0], flow.page_at(lead.start() + found[1]))
    return _Found()


def _standards(sections: SectionsResult) -> _Found:
    found = sections.all("basis")
    if not found:
        return _Found()
    codes: list[str] = []
    page = found[0].heading_page
    for section in found:
        flow = Flow.of(section.lines)
        for code, offset in standards_mod.find_codes(flow.text):
            if code not in codes:
                if not codes:
                    page = flow.page_at(offset) or page
                codes.append(code)
    return _Found(tuple(codes), page)


def _section_lines(sections: SectionsResult, key: str) -> list[Line]:
    lines: list[Line] = []
    for section in sections.all(key):
        lines.extend(section.lines)
    return lines
