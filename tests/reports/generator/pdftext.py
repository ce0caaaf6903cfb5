"""Text-layer helpers for the generator tests."""

from __future__ import annotations

import re

import pypdfium2 as pdfium

_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


def page_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def cjk_unspaced(text: str) -> str:
    """Remove whitespace between two CJK characters (letter-spaced labels)."""
    return re.sub(rf"(?<={_CJK})\s+(?={_CJK})", "", text)


def compact(text: str) -> str:
    """What the field checks compare: no whitespace at all, half-width brackets."""
    return re.sub(r"\s+", "", cjk_unspaced(text)).replace("（", "(").replace("）", ")")
