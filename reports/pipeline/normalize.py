"""Stage 2: repair the text layer.

Per line: full-width digits/letters to half-width, letter-spaced labels (「房 屋 编 号」) closed up,
doubled fake-bold characters (「工工程程概概况况」, 「CC级级」) undone without touching real repeats
(「冯刚刚」, 「0088」), OCR spacing and ASCII punctuation next to Chinese repaired. Per document:
running headers and footers (firm, report number, 第x页共y页, — x —) moved out of the body into
``furniture`` (kept: the report number is often only printed there). ``join_lines`` joins wrapped
lines into paragraphs for phrase matching.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .extract import PageText
from .vocabulary import FIELD_LABELS, SECTION_PHRASES

CJK = "\u3400-\u4dbf\u4e00-\u9fff"
CJK_PUNCT = (
    "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2026\u201c\u201d"
)
_CJK_RE = re.compile(f"[{CJK}]")
_CJK_OR_PUNCT_RE = re.compile(f"[{CJK}{CJK_PUNCT}]")

EDGE_LINES = 3  # running headers/footers are looked for in the first and last lines of a page


@dataclass(frozen=True)
class Line:
    page: int
    text: str


@dataclass(frozen=True)
class NormalizedPage:
    number: int
    lines: tuple[str, ...]  # body lines
    furniture: tuple[str, ...]  # running headers/footers taken out of the body
    source: str  # "text" | "ocr" | "image"


@dataclass(frozen=True)
class NormalizedDocument:
    pages: tuple[NormalizedPage, ...]

    @property
    def ocr(self) -> bool:
        return any(p.source == "ocr" for p in self.pages)

    def lines(self) -> Iterator[Line]:
        for page in self.pages:
            for text in page.lines:
                yield Line(page.number, text)

    def furniture(self) -> Iterator[Line]:
        for page in self.pages:
            for text in page.furniture:
                yield Line(page.number, text)


# Characters ---------------------------------------------------------------------------------


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def to_halfwidth(text: str) -> str:
    """Full-width digits and Latin letters (and the ideographic space) to ASCII.

    Chinese punctuation (，：；（）) is kept: recommendations are reported exactly as written.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000" or ch == "\u00a0":
            out.append(" ")
        elif ch in "－﹣‐":
            out.append("-")
        elif ch == "／":
            out.append("/")
        else:
            out.append(ch)
    text = "".join(out)
    return re.sub(r"(?<=\d)．(?=\d)", ".", text)


# Letter spacing -----------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"(\s+)")


def collapse_letter_spacing(line: str) -> str:
    """Close up 「产 权 人：」 → 「产权人：」 and 「声 明」 → 「声明」; keep table gaps.

    A run of single Chinese characters separated by one or two spaces is one word; so is such a
    run followed by its last character glued to a colon (「审 核：侯建军」).
    """
    parts = _TOKEN_RE.split(line.strip())
    tokens, seps = parts[0::2], parts[1::2]
    out_tokens, out_seps = [tokens[0]], []
    in_run = _single_cjk(tokens[0])  # out_tokens[-1] is a run of spaced single characters
    for sep, tok in zip(seps, tokens[1:], strict=True):
        narrow = len(sep) <= 2
        if narrow and in_run and _single_cjk(tok):
            out_tokens[-1] += tok
            continue
        if narrow and in_run and len(tok) >= 2 and is_cjk(tok[0]) and tok[1] in "：:":
            out_tokens[-1] += tok
            in_run = False
            continue
        out_seps.append(sep)
        out_tokens.append(tok)
        in_run = _single_cjk(tok)
    result = out_tokens[0]
    for sep, tok in zip(out_seps, out_tokens[1:], strict=True):
        result += sep + tok
    return result


def _single_cjk(token: str) -> bool:
    return len(token) == 1 and is_cjk(token)


# Doubled characters -------------------------------------------------------------------------

_PAIRS_RE = re.compile(r"((.)\2){2,}")


def _is_doubled(s: str) -> bool:
    return len(s) >= 2 and len(s) % 2 == 0 and all(s[i] == s[i + 1] for i in range(0, len(s), 2))


def dedupe_doubled(line: str) -> str:
    """Undo fake bold: every character drawn twice reads twice.

    A whole line of pairs (「11 工工程程概概况况」) is undone token by token; inside a line, a run
    of three or more pairs with a Chinese character (「鉴鉴定定结结论论」) or a Latin/digit pair next
    to a Chinese pair (「CC级级」). Real repeats stay: 「冯刚刚」 (one pair), 「大大小小」 (two Chinese
    pairs), 「0088」 (no Chinese).
    """
    compact = re.sub(r"\s+", "", line)
    if len(compact) >= 4 and _is_doubled(compact):
        tokens = _TOKEN_RE.split(line)
        return "".join(t[::2] if _is_doubled(t) else t for t in tokens)

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        chars = run[::2]
        has_cjk = any(is_cjk(c) for c in chars)
        if len(chars) >= 3 and has_cjk:
            return chars
        if len(chars) == 2 and has_cjk and any(c.isascii() and c.isalnum() for c in chars):
            return chars
        return run

    return _PAIRS_RE.sub(fix, line)


# OCR repairs --------------------------------------------------------------------------------

_LABEL_GAP_RE = re.compile(
    "("
    + "|".join(
        re.escape(label)
        for label in sorted(
            {label for labels in FIELD_LABELS.values() for label in labels}, key=len, reverse=True
        )
    )
    + r")[ \t]+(?![：:])"
)
_HEADING_GAP_RE = re.compile(
    "^("
    + "|".join(
        re.escape(p)
        for p in sorted(
            {p for phrases in SECTION_PHRASES.values() for p in phrases if len(p) >= 4},
            key=len,
            reverse=True,
        )
    )
    + r")[ \t]+(?![：:])"
)
_OCR_PUNCT = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}


def repair_ocr_line(line: str) -> str:
    """Tesseract spaces out Chinese and prints ASCII punctuation: undo both next to Chinese.

    Wide gaps (3+ spaces) are table gaps: kept as two spaces.
    """
    chars = list(line)
    n = len(chars)
    for i, ch in enumerate(chars):
        if ch in _OCR_PUNCT or ch == ".":
            prev = _neighbour(chars, i, -1)
            nxt = _neighbour(chars, i, 1)
            prev_cjk = prev is not None and is_cjk(prev)
            next_cjk = nxt is not None and is_cjk(nxt)
            if ch == ".":
                if prev_cjk and (nxt is None or next_cjk):
                    chars[i] = "。"
            elif prev_cjk or next_cjk:
                chars[i] = _OCR_PUNCT[ch]
    line = "".join(chars[:n])
    line = _repair_ocr_codes(line)
    line = re.sub(r"\s{3,}", "\u0000", line)
    # First close up Chinese spaced out by OCR (「鉴 定 日 期」), then keep the gap after a
    # known label or heading (「产权人 张三」, 「鉴定结论 C级」: cells), then drop the other
    # spaces next to Chinese.
    for _ in range(2):  # before closing up (「产权人 张三」) and after (「鉴 定 日 期 2022…」)
        line = _LABEL_GAP_RE.sub(lambda m: m.group(1) + "\u0001", line)
        line = _HEADING_GAP_RE.sub(lambda m: m.group(1) + "\u0001", line)
        line = re.sub(f"(?<=[{CJK}])[ \t]+(?=[{CJK}])", "", line)
    line = re.sub(f"(?<=[{CJK}{CJK_PUNCT}])[ \t]+|[ \t]+(?=[{CJK}{CJK_PUNCT}])", "", line)
    return line.replace("\u0000", "  ").replace("\u0001", " ").strip()


_OCR_CODE_FIXES = (
    # Standard codes: the B of GB reads as 8/3/E, the slash of GB/T picks up a V or I.
    (re.compile(r"(?<![A-Za-z])[GC][B83E](?=\s*/?\s*[TVIl]?\s*\d{4,5}\s*[-.]\s*\d{2,4})"), "GB"),
    (re.compile(r"(?<=GB)\s*/\s*[VIl]?\s*T|(?<=GB)\s*/\s*[VIl](?=\s*\d)"), "/T"),
    (re.compile(r"(?<=JGJ)\s*/\s*[VIl]?\s*T"), "/T"),
    (re.compile(r"(?<![A-Za-z])J[GC][Jj1lI](?=\s*(?:/\s*T)?\s*\d)"), "JGJ"),
    (re.compile(r"(?<![A-Za-z])GB[83]\s+(?=\d{4,5}\s*[-.])"), "GB "),  # 「GB8 55021-2021」
    # A code's hyphen read as a dot: 「GB 50023.2009」.
    (
        re.compile(r"((?<![A-Za-z])(?:GB|JGJ|GB/T|JGJ/T)\s?\d{1,5})\.(?=(?:19|20)\d{2}(?!\d))"),
        r"\1-",
    ),
)


_OCR_CODE_DIGITS_RE = re.compile(
    r"(?<![A-Za-z])((?:GB/T|GB|JGJ/T|JGJ)\s?)([0-9OoSIl]{1,5})(?=\s*[-.]\s*(?:19|20)?\d{2}(?!\d))"
)
_OCR_DIGITS = str.maketrans("OoSIl", "00511")


def _repair_ocr_codes(line: str) -> str:
    for pattern, replacement in _OCR_CODE_FIXES:
        line = pattern.sub(replacement, line)
    # Letters read for digits inside a code's number: 「GB/T SO0315-2011」.
    return _OCR_CODE_DIGITS_RE.sub(lambda m: m.group(1) + m.group(2).translate(_OCR_DIGITS), line)


def _neighbour(chars: list[str], i: int, step: int) -> str | None:
    j = i + step
    while 0 <= j < len(chars) and chars[j] in " \t":
        j += step
    return chars[j] if 0 <= j < len(chars) else None


def clean_line(line: str, *, ocr: bool = False) -> str:
    line = to_halfwidth(line)
    if ocr:
        line = repair_ocr_line(line)
    line = dedupe_doubled(line)
    line = collapse_letter_spacing(line)
    return line.strip()


# Running headers and footers ----------------------------------------------------------------

_PAGE_NUMBER_RES = (
    re.compile(r"^第\s*\d+\s*页\s*[,，/、]?\s*共\s*\d+\s*页$"),
    re.compile(r"^共\s*\d+\s*页\s*[,，/、]?\s*第\s*\d+\s*页$"),
    re.compile(r"^[—\-–─－~]+\s*\d+\s*[—\-–─－~]+$"),
    re.compile(r"^第\s*\d+\s*页$"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"^(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?$", re.IGNORECASE),
    re.compile(r"^\d{1,3}$"),
)


def is_page_number(line: str) -> bool:
    compact = line.strip()
    return any(r.match(compact) for r in _PAGE_NUMBER_RES)


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def split_furniture(
    pages: Sequence[Sequence[str]],
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(body, furniture) per page.

    Furniture: a page-number line at a page edge, or an edge line that (digits masked) recurs at
    the edges of several pages: at least two, and at least 30 % of the pages with text.
    """
    texted = sum(1 for lines in pages if lines)
    seen: Counter[str] = Counter()
    for lines in pages:
        keys = {_furniture_key(lines[i]) for i in _edge_indices(len(lines))}
        seen.update(keys)
    threshold = max(2.0, 0.3 * texted)
    out = []
    for lines in pages:
        edges = set(_edge_indices(len(lines)))
        body, furniture = [], []
        for i, text in enumerate(lines):
            if i in edges and (is_page_number(text) or seen[_furniture_key(text)] >= threshold):
                furniture.append(text)
            else:
                body.append(text)
        out.append((tuple(body), tuple(furniture)))
    return out


def _edge_indices(n: int) -> list[int]:
    return sorted(set(range(min(EDGE_LINES, n))) | set(range(max(0, n - EDGE_LINES), n)))


def normalize(pages: Sequence[PageText]) -> NormalizedDocument:
    cleaned: list[list[str]] = []
    for page in pages:
        ocr = page.source == "ocr"
        lines = [clean_line(raw, ocr=ocr) for raw in page.text.split("\n")]
        cleaned.append([line for line in lines if line])
    split = split_furniture(cleaned)
    return NormalizedDocument(
        tuple(
            NormalizedPage(page.number, body, furniture, page.source)
            for page, (body, furniture) in zip(pages, split, strict=True)
        )
    )


# Paragraphs -----------------------------------------------------------------------------------

ENUMERATOR_RE = re.compile(
    r"^(?:[（(]\s*[0-9一二三四五六七八九十]+\s*[)）]"
    r"|\d+(?:\.\d+)+\s"
    r"|\d{1,3}\s*[、.．)）](?!\d)"
    r"|\d{1,3}\s+(?=\S)"
    r"|[一二三四五六七八九十]+\s*[、.．]"
    r"|第[一二三四五六七八九十百0-9]+[章节条部]"
    r"|[①-⑳]"
    r"|[■□●○◆◇▲△★☆▶►•])"
)
_SENTENCE_END = "。！？；：:!?;"
_LABEL_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）()]{2,10}\s*[：:]")
_ROW_GAP_RE = re.compile(f"[{CJK}]\\s+\\S|\\S\\s+[{CJK}]")


def _row_like(line: str) -> bool:
    """A table row or label line (cells with gaps, no sentence punctuation): its own paragraph."""
    return bool(_ROW_GAP_RE.search(line)) and not re.search("[，。；]", line)


def _subheading(line: str) -> bool:
    """「3.1 鉴定范围和内容」, 「（一）地基基础」: a short Chinese title after an enumerator."""
    match = ENUMERATOR_RE.match(line)
    if not match:
        return False
    title = line[match.end() :].strip()
    return 0 < len(title) <= 15 and bool(re.fullmatch(f"[{CJK}（）()、]+", title))


def join_with_offsets(lines: Sequence[str]) -> tuple[str, list[int]]:
    """``join_lines`` plus the offset in the text where each input line starts."""
    out = ""
    starts: list[int] = []
    prev_line = ""
    for line in lines:
        line = line.strip()
        if not line:
            starts.append(len(out))
            continue
        if out:
            prev = out[-1]
            if (
                prev in _SENTENCE_END
                or ENUMERATOR_RE.match(line)
                or _LABEL_LINE_RE.match(line)
                or _row_like(line)
                or _row_like(prev_line)
                or _subheading(prev_line)
            ):
                out += "\n"
            elif not (
                prev in "-—/"
                or _CJK_OR_PUNCT_RE.match(prev)
                or _CJK_OR_PUNCT_RE.match(line[0])
                or line[0] in ")）,，.。"
            ):
                out += " "
        starts.append(len(out))
        out += line
        prev_line = line
    return out, starts


def join_lines(lines: Sequence[str]) -> str:
    """Join wrapped lines into paragraphs (``\\n`` between paragraphs).

    A new paragraph starts after sentence-final punctuation, at a list/heading enumerator, after
    a subheading and around table rows; otherwise lines are joined with nothing between Chinese
    (「局部不满足抗震鉴定要」+「求」) or after a hyphen (「GB 50011-」+「2010」), with a space between
    two Latin words.
    """
    return join_with_offsets(lines)[0]


def compact_cjk(text: str) -> str:
    """Drop spaces next to Chinese characters (for phrase matching only)."""
    return re.sub(f"(?<=[{CJK}{CJK_PUNCT}])[ \t]+|[ \t]+(?=[{CJK}{CJK_PUNCT}])", "", text)
