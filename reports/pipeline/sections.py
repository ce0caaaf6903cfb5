"""Stage 3: find the section headings and map them to canonical sections.

A heading is a short line: numbering or decoration (一、 / 1 / 1.1 / 第一章 / （一） / 【…】 / ■ …)
followed by a title that contains a phrase of ``vocabulary.SECTION_PHRASES``. The numbering style
that names the most distinct content sections is the document's top level (「一、」 for one firm,
「1」 or 「第一章」 for others); headings of other styles are subsections and stay inside their
section. Unnumbered lines count when they are a heading phrase alone (「鉴定结论」,
「现场查勘情况」, 「附件：现场照片」, 「报告签发」). Table-of-contents lines (dot leaders, trailing
page numbers, or a 目录 page) are skipped, a heading broken over a page break (or a numbering
alone on its line) is joined, and in documents without a strong numbered structure, form label
cells (「鉴定结论 该房屋…」) open sections. OCR text may have one wrong or lost character in a
heading phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .normalize import Line, NormalizedDocument, join_lines
from .vocabulary import COMBINABLE, CONTENT_SECTIONS, FIELD_LABELS, SECTION_PHRASES

# A form row 「承载体系 框架承重」 is a field, not a section, even though 承载体系 names one.
FIELD_LABEL_WORDS = frozenset(label for labels in FIELD_LABELS.values() for label in labels)
MAX_TITLE = 20  # a heading title longer than this is prose
MAX_PHRASE_POSITION = 4  # 「房屋基本情况」: the phrase may follow a short qualifier
MIN_TOP_KEYS = 2  # a numbering style is the top level when it names this many content sections
LABEL_MODE_BELOW = 3  # fewer top-level content sections: also accept form label cells
# Without a top level, these numberings still mark a heading when the title is a bare phrase
# (a list item such as 「（7）现场检测数据」 uses the others).
LONE_STYLES = frozenset({"chapter", "section", "cn", "num", "roman"})

_NUMBERING: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (style, re.compile(pattern))
    for style, pattern in (
        ("chapter", r"^第\s*[^\s章部篇节]{1,3}\s*[章部篇]\s*"),  # any 1-3 chars: OCR misreads
        ("section", r"^第\s*[一二三四五六七八九十百零〇\d]+\s*节\s*"),
        ("cn_paren", r"^[（(]\s*[一二三四五六七八九十]+\s*[)）]\s*"),
        ("cn", r"^[一二三四五六七八九十]+\s*[、.．]\s*"),
        ("num_paren", r"^[（(]\s*\d{1,2}\s*[)）]\s*"),
        ("dotted3", r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?(?![\d.])\s*"),
        ("dotted2", r"^\d{1,2}\.\d{1,2}\.?(?![\d.])\s*"),
        ("num", r"^\d{1,2}(?:\s*[、.．](?![\d.])|\s+|(?=[\u4e00-\u9fff]))\s*"),
        ("roman", r"^[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]+\s*[、.．]?\s*"),
        ("circled", r"^[①-⑳]\s*"),
        ("bullet", r"^[■□●○◆◇▲△★☆▶►•]\s*"),
    )
)
_BRACKET_RE = re.compile(r"^[【\[〖〔]\s*([^】\]〗〕]{1,20}?)\s*[】\]〗〕]\s*(.*)$")
_TOC_TAIL_RE = re.compile(r"(?:\s*[·.…．・_\-]{3,}\s*\d*|\s+\d{1,3})\s*$")
_PROSE_RE = re.compile(r"[，。；;,!?！？《》“”\"]")
_PROSE_START = ("根据", "依据", "经", "对", "按", "由", "因", "该", "本", "如", "若", "在", "将")
_CN_NUM = {c: i for i, c in enumerate("零一二三四五六七八九十", start=0)}


@dataclass(frozen=True)
class Heading:
    style: str  # numbering style, "none", "bracket" or "label"
    number: int | None
    title: str
    keys: tuple[str, ...]  # canonical keys; () for an unknown numbered heading
    toc: bool = False  # a table-of-contents entry
    inline: str = ""  # content on the heading's line (label cells, 【结论】 text)


@dataclass(frozen=True)
class Section:
    keys: tuple[str, ...]
    heading: str
    lines: tuple[Line, ...]  # body lines (not the heading)
    heading_page: int

    @property
    def key(self) -> str:
        return self.keys[0] if self.keys else "other"

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({self.heading_page, *(line.page for line in self.lines)}))

    @property
    def text(self) -> str:
        return join_lines([line.text for line in self.lines])

    @property
    def empty(self) -> bool:
        return not any(line.text.strip() for line in self.lines)


@dataclass(frozen=True)
class SectionsResult:
    front: tuple[Line, ...]  # lines before the first heading (cover)
    sections: tuple[Section, ...]

    def all(self, key: str) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if key in s.keys)

    def get(self, key: str) -> Section | None:
        found = self.all(key)
        for section in found:
            if not section.empty:
                return section
        return found[0] if found else None

    def present(self, key: str) -> bool:
        """The section exists and has content (a bare TOC entry does not count)."""
        return any(not s.empty for s in self.all(key))

    def keys(self) -> tuple[str, ...]:
        seen: list[str] = []
        for section in self.sections:
            for key in section.keys:
                if key not in seen:
                    seen.append(key)
        return tuple(seen)


# Heading recognition ------------------------------------------------------------------------

_PHRASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((phrase, key) for key, phrases in SECTION_PHRASES.items() for phrase in phrases),
        key=lambda item: -len(item[0]),
    )
)


def _fuzzy_find(text: str, phrase: str) -> int:
    """Position of ``phrase`` in ``text`` with one wrong or one lost character (OCR), or -1."""
    n = len(phrase)
    for pos in range(len(text) - n + 1):
        if sum(a != b for a, b in zip(text[pos : pos + n], phrase, strict=True)) <= 1:
            return pos
    shorter = {phrase[:i] + phrase[i + 1 :] for i in range(1, n)}  # the first one stays
    for pos in range(len(text) - n + 2):
        if text[pos : pos + n - 1] in shorter:
            return pos
    return -1


FUZZY_MIN = 4  # only phrases this long are matched with an OCR error


def classify_title(title: str, *, fuzzy: bool = False) -> tuple[str, ...]:
    """Canonical keys of a heading title: the phrase occurring first wins (longest on a tie).

    ``fuzzy`` (OCR text): a phrase of 4+ characters may have one wrong character (「鉴正结论」).
    """
    hits: list[tuple[int, int, str]] = []
    for phrase, key in _PHRASES:
        pos = title.find(phrase)
        if pos < 0 and fuzzy and len(phrase) >= FUZZY_MIN:
            pos = _fuzzy_find(title, phrase)
        if pos >= 0:
            hits.append((pos, -len(phrase), key))
    if not hits:
        return ()
    hits.sort()
    pos, _, first = hits[0]
    if pos > MAX_PHRASE_POSITION:
        return ()
    keys = [first]
    for _, _, key in hits[1:]:
        if key not in keys and ((first, key) in COMBINABLE or (key, first) in COMBINABLE):
            keys.append(key)
    return tuple(keys)


MAX_BARE_SUFFIX = 4  # 「现场查勘情况」: a bare heading is a phrase plus at most a short word


def _bare_heading(title: str) -> bool:
    """An unnumbered line that is a heading phrase, alone (「鉴定结论」, 「现场查勘情况」)."""
    if not _heading_title_ok(title) or len(title) > 12:
        return False
    return any(
        title.startswith(phrase) and len(title) - len(phrase) <= MAX_BARE_SUFFIX
        for phrase, _ in _PHRASES
    )


def _parse_number(token: str) -> int | None:
    digits = re.sub(r"\D", "", token.split(".")[0])
    if digits:
        return int(digits)
    chars = [c for c in token if c in _CN_NUM]
    if not chars:
        return None
    if chars == ["十"]:
        return 10
    if chars[0] == "十":
        return 10 + _CN_NUM[chars[1]]
    if len(chars) >= 2 and chars[1] == "十":
        return _CN_NUM[chars[0]] * 10 + (_CN_NUM[chars[2]] if len(chars) > 2 else 0)
    return _CN_NUM[chars[0]]


def _clean_title(title: str) -> tuple[str, bool]:
    toc = bool(_TOC_TAIL_RE.search(title)) and not re.fullmatch(r"[\d\s]*", title)
    if toc:
        title = _TOC_TAIL_RE.sub("", title)
    title = re.sub(r"\s+", "", title).rstrip("：:").strip()
    title = re.sub(r"[（(]续[）)]$", "", title)
    return title, toc


def _heading_title_ok(title: str) -> bool:
    return (
        0 < len(title) <= MAX_TITLE
        and not _PROSE_RE.search(title)
        and not title.startswith(_PROSE_START)
    )


def parse_heading(text: str, *, labels: bool = False, fuzzy: bool = False) -> Heading | None:
    """The heading on this line, if it is one (``labels``: accept form label cells too;
    ``fuzzy``: tolerate one OCR error in a heading phrase)."""
    text = text.strip()
    if not text:
        return None
    bracket = _BRACKET_RE.match(text)
    if bracket:
        title, toc = _clean_title(bracket.group(1))
        keys = classify_title(title, fuzzy=fuzzy)
        if keys and _heading_title_ok(title):
            return Heading("bracket", None, title, keys, toc, bracket.group(2).strip())
        return None
    for style, pattern in _NUMBERING:
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end() :]
        title, toc = _clean_title(rest)
        if not title and style not in ("num", "dotted2", "dotted3"):
            return Heading(style, _parse_number(match.group(0)), "", (), toc)
        if not _heading_title_ok(title):
            return None
        keys = classify_title(title, fuzzy=fuzzy)
        return Heading(style, _parse_number(match.group(0)), title, keys, toc)
    # Unnumbered: a phrase alone (「鉴定结论」, 「声明」), or an appendix title (「附件：现场照片」).
    title, toc = _clean_title(text)
    alone = not re.search(r"\s", _TOC_TAIL_RE.sub("", text).strip())  # no second cell
    if alone and _bare_heading(title) and classify_title(title):
        return Heading("none", None, title, classify_title(title), toc)
    if fuzzy and alone and 2 <= len(title) <= 8 and _heading_title_ok(title):
        keys = classify_title(title, fuzzy=True)
        if keys:
            return Heading("none", None, title, keys, toc)
    head = re.match(r"^(附件|附录|附图|附表)\s*[：:\s]?\s*(\S{0,12})$", title)
    if head:
        return Heading("none", None, title, ("appendix",), toc)
    if labels:
        for phrase, key in _PHRASES:
            if (
                key in CONTENT_SECTIONS
                and phrase not in FIELD_LABEL_WORDS
                and re.match(rf"^{re.escape(phrase)}\s*(?:[：:]|\s)\s*\S", text)
            ):
                inline = re.sub(rf"^{re.escape(phrase)}\s*[：:]?\s*", "", text)
                return Heading("label", None, phrase, classify_title(phrase), False, inline)
    return None


# Document -----------------------------------------------------------------------------------


def _merge_split_headings(lines: Sequence[Line], *, fuzzy: bool = False) -> list[Line]:
    """Join a heading broken over two lines: a numbering alone on its line (「第五章」 /
    「抗震性能评价」), or a heading cut at a page break (「七、处理」 / next page 「建议」)."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (
            nxt is not None
            and len(nxt.text) <= 12
            and not _PROSE_RE.search(nxt.text)
            and not _starts_heading(nxt.text, fuzzy=fuzzy)
        ):
            this = parse_heading(line.text, fuzzy=fuzzy)
            if this is not None and this.style not in ("none", "label"):
                joined = parse_heading(line.text + nxt.text, fuzzy=fuzzy)
                numbering_alone = not this.title
                cut_at_page = nxt.page != line.page and (
                    not this.keys or (joined is not None and joined.keys == this.keys)
                )
                if joined is not None and joined.keys and (numbering_alone or cut_at_page):
                    out.append(Line(line.page, line.text + nxt.text))
                    i += 2
                    continue
        out.append(line)
        i += 1
    return out


def _starts_heading(text: str, *, fuzzy: bool) -> bool:
    """A numbered or bracketed heading of its own (a bare 「建议」 may be a broken title's end)."""
    heading = parse_heading(text, fuzzy=fuzzy)
    return heading is not None and heading.style not in ("none", "label")


def _top_style(candidates: Iterable[tuple[int, Heading]]) -> tuple[str | None, int]:
    keys_by_style: dict[str, set[str]] = {}
    first_seen: dict[str, int] = {}
    for index, heading in candidates:
        if heading.toc or heading.style in ("none", "label"):
            continue
        content = {k for k in heading.keys if k in CONTENT_SECTIONS}
        if not content:
            continue
        keys_by_style.setdefault(heading.style, set()).update(content)
        first_seen.setdefault(heading.style, index)
    if not keys_by_style:
        return None, 0
    style = min(keys_by_style, key=lambda s: (-len(keys_by_style[s]), first_seen[s]))
    strength = len(keys_by_style[style])
    if strength < MIN_TOP_KEYS:
        return None, strength  # a numbered list item or two, not a heading structure
    return style, strength


def find_sections(doc: NormalizedDocument) -> SectionsResult:
    fuzzy = doc.ocr
    lines = _merge_split_headings(list(doc.lines()), fuzzy=fuzzy)
    parsed = [(i, parse_heading(line.text, fuzzy=fuzzy)) for i, line in enumerate(lines)]
    candidates = [(i, h) for i, h in parsed if h is not None]
    top, strength = _top_style(candidates)
    label_mode = top is None or strength < LABEL_MODE_BELOW
    accepted: dict[int, Heading] = {}
    last_number = 0
    contents_page: int | None = None  # the page of a 目录: its entries are not headings
    for i, line in enumerate(lines):
        heading = parsed[i][1]
        if heading is None and label_mode:
            heading = parse_heading(line.text, labels=True, fuzzy=fuzzy)
        if heading is None:
            continue
        if heading.toc or (line.page == contents_page and heading.style != "none"):
            continue  # a table-of-contents entry, not the section itself
        if heading.style == top:
            if heading.keys or (
                heading.number == last_number + 1 and heading.title and len(heading.title) <= 15
            ):
                accepted[i] = heading
                last_number = heading.number or last_number
        elif heading.keys and heading.style in ("none", "bracket", "label"):
            accepted[i] = heading  # a bare heading phrase, 【…】, or a form label cell
        elif (
            top is None
            and heading.keys
            and heading.style in LONE_STYLES
            and _bare_heading(heading.title)
        ):
            accepted[i] = heading  # one or two numbered sections, no structure to compare
        if i in accepted and "contents" in accepted[i].keys:
            contents_page = line.page
    return _build(lines, accepted)


def _build(lines: Sequence[Line], accepted: dict[int, Heading]) -> SectionsResult:
    starts = sorted(accepted)
    front = tuple(lines[: starts[0]]) if starts else tuple(lines)
    sections: list[Section] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        heading = accepted[start]
        body = list(lines[start + 1 : end])
        if heading.inline:
            body.insert(0, Line(lines[start].page, heading.inline))
        sections.append(
            Section(
                keys=heading.keys,
                heading=lines[start].text,
                lines=tuple(body),
                heading_page=lines[start].page,
            )
        )
    return SectionsResult(front, tuple(sections))
