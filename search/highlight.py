"""Snippets with highlighted matches, over the original text: everything is escaped except
our own <mark> tags."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from django.utils.html import escape

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from search.tokenize import Term

_GAP = r"[\s.\u3000]*"


def _pattern(terms: Iterable[Term]) -> re.Pattern[str] | None:
    return _compiled(_texts(terms))


def _texts(terms: Iterable[Term]) -> frozenset[str]:
    return frozenset(t.text for t in terms if t.text)


@lru_cache(maxsize=256)
def _compiled(texts: frozenset[str]) -> re.Pattern[str] | None:
    parts = sorted(
        (_GAP.join(re.escape(ch) for ch in text) for text in texts), key=len, reverse=True
    )
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


class _FoldTable(dict[int, str]):
    """str.translate table folding a character to its NFKC form when that is one character
    (full-width letters and digits, the ideographic space...), so offsets stay valid; others
    (ligatures, ㎡) stay. Filled on first sight of each character."""

    def __missing__(self, cp: int) -> str:
        folded = unicodedata.normalize("NFKC", chr(cp))
        self[cp] = value = folded if len(folded) == 1 else chr(cp)
        return value


_FOLD = _FoldTable()


def _folded(text: str) -> str:
    return text.translate(_FOLD)


@cache
def _inverse() -> dict[str, str]:
    """Folded character -> the characters _FOLD turns into it, found once (~70 ms) on first
    use. Compatibility mappings to a single character all lie below U+30000."""
    normalize = unicodedata.normalize
    out: dict[str, list[str]] = {}
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded = normalize("NFKC", chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            out.setdefault(folded, []).append(chr(cp))
    return {k: "".join(v) for k, v in out.items()}


@lru_cache(maxsize=256)
def _folding_into(texts: frozenset[str]) -> re.Pattern[str] | None:
    """The characters that fold into a character of these terms (either case, as the
    pattern ignores case): only a text holding one of them needs folding to match."""
    inverse = _inverse()
    chars = {
        c
        for text in texts
        for ch in text
        for variant in {ch, ch.lower(), ch.upper()}
        for c in inverse.get(variant, "")
    }
    return re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]") if chars else None


def _search(pattern: re.Pattern[str], texts: frozenset[str], text: str) -> re.Match[str] | None:
    """The first match in the text, else in its folded form if it holds a character that
    folds into the terms (Chinese text is full of full-width punctuation, but 裂缝 has no
    other forms: no folded copy is made for it)."""
    m = pattern.search(text)
    if m is None:
        folding = _folding_into(texts)
        if folding is not None and folding.search(text):
            m = pattern.search(_folded(text))
    return m


def mark(text: str, terms: Iterable[Term]) -> str:
    """The whole text, escaped, with every match wrapped in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(_folded(text)):
        out += [
            escape(text[last : m.start()]),
            "<mark>",
            escape(text[m.start() : m.end()]),
            "</mark>",
        ]
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def snippet(
    texts: Mapping[str, str], terms: Iterable[Term], order: Iterable[str], width: int = 120
) -> str:
    """A window of about `width` characters around the first match, from the first group in
    `order` that has one (else the start of the first non-empty group), as safe HTML."""
    terms = list(terms)
    texts_key = _texts(terms)
    pattern = _compiled(texts_key)
    groups = [g for g in order if (texts.get(g) or "").strip()]
    for group in groups:
        text = " ".join(texts[group].split())
        m = _search(pattern, texts_key, text) if pattern else None
        if m is None:
            continue
        start = max(0, m.start() - width // 3)
        end = min(len(text), start + width)
        window = text[start:end]
        return ("…" if start else "") + mark(window, terms) + ("…" if end < len(text) else "")
    if not groups:
        return ""
    text = " ".join(texts[groups[0]].split())
    return escape(text[:width]) + ("…" if len(text) > width else "")
