"""Stage 1: open the file and read the text of every page.

Checks, in order, before any field is read: empty file, not a PDF (no ``%PDF-`` in the first
1024 bytes), cut short (no ``%%EOF`` anywhere) or not loadable, user password, too many pages.
Text comes from pypdfium2 (20-50x faster than pdfplumber, and it drops the doubled glyphs of
fake-bold headings). A page without a text layer whose area is mostly one image is a scan: it is
rendered (grey, 300 dpi) and read by tesseract. pdfplumber is only used, on demand, for the
label/value tables of form-like pages (``read_label_tables``).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from . import ocr as ocr_mod
from .problems import (
    ACTIVE_CONTENT,
    EMPTY,
    ENCRYPTED,
    NEEDS_OCR,
    NOT_PDF,
    OCR_FAILED,
    OCR_UNAVAILABLE,
    PAGE_UNREADABLE,
    TOO_LARGE_PAGES,
    TRUNCATED,
    Problem,
    blocking,
    info,
    warning,
)

log = logging.getLogger(__name__)

MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024
DEFAULT_MAX_PAGES = 150
OCR_DPI = 300
# A page is a scan when it has (almost) no text and one image covers most of it.
MIN_TEXT_CHARS = 20
MIN_SCAN_COVERAGE = 0.5
# OCR output with fewer CJK characters than this is a photo, not a page of text.
MIN_OCR_CJK = 15

PageSource = Literal["text", "ocr", "image"]


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    text: str
    source: PageSource  # "image": a scan that was not read (OCR off, unavailable or failed)


@dataclass(frozen=True)
class ExtractResult:
    page_count: int | None
    pages: tuple[PageText, ...]
    problems: tuple[Problem, ...]

    @property
    def rejected(self) -> bool:
        """The file was refused before reading: unreadable or too large."""
        return any(p.code.startswith(("unreadable:", "too_large:")) for p in self.problems)

    @property
    def ocr_used(self) -> bool:
        return any(p.source == "ocr" for p in self.pages)

    @property
    def complete(self) -> bool:
        """Every page with content was read (no scan left unread)."""
        return not self.rejected and all(p.source != "image" for p in self.pages)


def check_bytes(data: bytes) -> Problem | None:
    """The checks that need no PDF library."""
    if not data:
        return blocking(EMPTY, "文件为空（0字节），请重新上传完整的鉴定报告PDF文件。")
    if MAGIC not in data[:MAGIC_WINDOW]:
        return blocking(
            NOT_PDF,
            "文件内容不是PDF（可能是图片或其他格式改了扩展名），请上传PDF格式的鉴定报告。",
        )
    if b"%%EOF" not in data:  # every complete PDF ends with it; a cut file has none left
        return _truncated()
    return None


def _truncated() -> Problem:
    return blocking(
        TRUNCATED, "PDF文件不完整或已损坏（文件被截断），无法解析，请重新导出并上传完整文件。"
    )


def open_document(data: bytes) -> tuple[pdfium.PdfDocument | None, Problem | None]:
    try:
        return pdfium.PdfDocument(data), None
    except pdfium.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            return None, blocking(
                ENCRYPTED, "PDF设有打开密码，无法读取内容，请上传未加密的鉴定报告。"
            )
        if "security" in reason:  # an encryption scheme pdfium does not know: still "protected"
            return None, blocking(
                ENCRYPTED,
                "PDF采用了无法识别的加密方式，无法读取内容，请去除加密后导出未加密的鉴定报告再上传。",
            )
        return None, _truncated()


# Names of PDF features that run code or carry other files. Matched on the raw bytes, so a
# compressed object stream can hide them: a flag for the reviewer, not a proof of safety.
ACTIVE_NAMES = re.compile(
    rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData)"
    rb"(?![A-Za-z0-9#])"
)


STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)


def active_content(data: bytes) -> Problem | None:
    # Stream bodies are compressed binary (images, fonts): any byte run can look like a name.
    objects = STREAM_BODY.sub(b"", data)
    found = sorted({m.group(1).decode("ascii") for m in ACTIVE_NAMES.finditer(objects)})
    if not found:
        return None
    return warning(
        ACTIVE_CONTENT,
        "PDF含有脚本、自动动作或嵌入文件（" + "、".join(f"/{n}" for n in found) + "），"
        "平台不会执行这些内容；请确认报告由正规软件导出，审核时请留意。",
    )


def extract(
    data: bytes,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    ocr: bool = True,
    ocr_timeout: float = ocr_mod.DEFAULT_TIMEOUT,
) -> ExtractResult:
    problem = check_bytes(data)
    if problem is not None:
        return ExtractResult(None, (), (problem,))
    doc, problem = open_document(data)
    if doc is None:
        return ExtractResult(None, (), (problem,) if problem else ())
    try:
        count = len(doc)
        if count > max_pages:
            return ExtractResult(
                count,
                (),
                (
                    blocking(
                        TOO_LARGE_PAGES,
                        f"文件共{count}页，超过{max_pages}页的上限；"
                        "请只上传鉴定报告本身，检测数据和照片另作附件上传。",
                    ),
                ),
            )
        result = _read_pages(doc, count, ocr=ocr, ocr_timeout=ocr_timeout)
    finally:
        doc.close()
    flagged = active_content(data)
    if flagged is not None and not result.rejected:
        result = ExtractResult(result.page_count, result.pages, (*result.problems, flagged))
    return result


def _read_pages(
    doc: pdfium.PdfDocument, count: int, *, ocr: bool, ocr_timeout: float
) -> ExtractResult:
    pages: list[PageText] = []
    problems: list[Problem] = []
    scans: list[int] = []
    for index in range(count):
        try:
            text, scan = _read_page(doc, index)
        except pdfium.PdfiumError:
            pages.append(PageText(index + 1, "", "text"))
            problems.append(
                warning(PAGE_UNREADABLE, f"第{index + 1}页无法读取，已跳过。", index + 1)
            )
            continue
        if scan:
            scans.append(index)
        pages.append(PageText(index + 1, text, "text"))
    if len(problems) == count and count:
        return ExtractResult(count, (), (_truncated(),))
    if scans:
        pages, more = _read_scans(doc, pages, scans, ocr=ocr, timeout=ocr_timeout)
        problems.extend(more)
    return ExtractResult(count, tuple(pages), tuple(problems))


def _read_page(doc: pdfium.PdfDocument, index: int) -> tuple[str, bool]:
    """(text, looks scanned) of one page; the page and its text page are closed after use."""
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
        finally:
            textpage.close()
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        scan = _visible_chars(text) < MIN_TEXT_CHARS and _image_coverage(page) >= MIN_SCAN_COVERAGE
        return text, scan
    finally:
        page.close()


def _read_scans(
    doc: pdfium.PdfDocument,
    pages: list[PageText],
    scans: Sequence[int],
    *,
    ocr: bool,
    timeout: float,
) -> tuple[list[PageText], list[Problem]]:
    problems: list[Problem] = []
    out = list(pages)
    needs = info(
        NEEDS_OCR,
        "报告为扫描件（没有文字层），内容由文字识别读取，可能有个别错字，请核对识别出的字段。",
        scans[0] + 1,
    )
    if not ocr:
        for index in scans:
            out[index] = PageText(index + 1, out[index].text, "image")
        return out, [needs]
    available = ocr_mod.availability()
    if not available.ok:
        for index in scans:
            out[index] = PageText(index + 1, out[index].text, "image")
        problems += [
            needs,
            blocking(
                OCR_UNAVAILABLE,
                f"报告为扫描件，但服务器上的文字识别不可用（{available.reason}），无法读取内容；"
                "请上传带文字层的PDF，或请管理员安装 tesseract-ocr 及 chi_sim 语言包。",
                scans[0] + 1,
            ),
        ]
        return out, problems
    read_any = False
    for index in scans:
        try:
            image = _render(doc, index)
            text = ocr_mod.ocr_page(image, timeout=timeout)
        except (ocr_mod.OcrError, pdfium.PdfiumError, OSError, ValueError) as exc:
            out[index] = PageText(index + 1, out[index].text, "image")
            problems.append(warning(OCR_FAILED, f"第{index + 1}页{exc}。", index + 1))
            continue
        if _cjk_chars(text) < MIN_OCR_CJK:
            continue  # a photo or a blank page: nothing to read
        read_any = True
        out[index] = PageText(index + 1, text, "ocr")
    if read_any or problems:
        problems.insert(0, needs)
    return out, problems


def _render(doc: pdfium.PdfDocument, index: int) -> Image.Image:
    page = doc[index]
    try:
        bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
        try:
            return bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def _visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _cjk_chars(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _image_coverage(page: pdfium.PdfPage) -> float:
    width, height = page.get_size()
    area = width * height
    if area <= 0:
        return 0.0
    best = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w = max(0.0, min(right, width) - max(left, 0.0))
        h = max(0.0, min(top, height) - max(bottom, 0.0))
        best = max(best, w * h / area)
    return best


# Form-like pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    page: int
    cells: tuple[str, ...]


def read_label_tables(data: bytes, page_numbers: Iterable[int]) -> tuple[TableRow, ...]:
    """Rows of the ruled tables on the given pages, read by pdfplumber (layout-aware).

    Used only for pages whose label/value cells the plain text did not pair: pdfplumber costs
    about as much per page as the whole rest of the pipeline for a document.
    """
    import pdfplumber  # imported lazily: ~0.2 s, and most reports never need it

    rows: list[TableRow] = []
    wanted = sorted(set(page_numbers))
    if not wanted:
        return ()
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number in wanted:
                if not 1 <= number <= len(pdf.pages):
                    continue
                page = pdf.pages[number - 1]
                try:
                    for table in page.dedupe_chars().extract_tables():
                        for row in table:
                            cells = tuple((cell or "").strip() for cell in row)
                            if any(cells):
                                rows.append(TableRow(number, cells))
                finally:
                    page.close()
    except Exception:
        log.warning("pdfplumber could not read tables", exc_info=True)
    return tuple(rows)
