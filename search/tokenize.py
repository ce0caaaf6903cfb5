"""Chinese-aware tokens for the database backends (SQLite FTS5, PostgreSQL full text).

Neither engine segments Chinese, so text is turned into space-separated tokens here and the
engine only splits on spaces (FTS5 `unicode61`, PostgreSQL `to_tsvector('simple', …)`):

* a text is normalised (NFKC, lower case) and cut into *units*: one unit per CJK character,
  one per run of ASCII letters/digits ("c", "125", "mu10"); anything else breaks the chain;
* every pair of neighbouring units is a bigram token ("裂缝", "缝宽", "c级"), so any term of
  two or more units matches as "all of its bigrams" — two-character words like 裂缝, 圈梁,
  钢架 always match, which FTS5's trigram tokenizer cannot do;
* jieba's search-mode words are added as tokens too (long words, and single-character words
  such as 墙 or 梁 that stand alone), and every ASCII unit is a token on its own.

Queries go through `query_terms`, which applies the same cutting to each term the user typed.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass

import jieba

jieba.setLogLevel(logging.WARNING)

# CJK Unified Ideographs (+ extension A and compatibility ideographs) or an ASCII word.
_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Characters that may sit between two units without breaking the chain ("C 级" → "c级",
# "2.5mm" → "25mm"); tokens thus hold only CJK, a-z and 0-9, which both engines keep whole.
_JOINERS = frozenset(" .\u3000")
# Sentences are tokenised one at a time and cached: reports share many template sentences.
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?\n]?")
MAX_TOKEN_CHARS = 24


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _units(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _UNIT.finditer(text)]


def _chains(text: str) -> list[list[str]]:
    """Runs of adjacent units; punctuation (anything but a space) ends a run."""
    chains: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for unit, start, end in _units(text):
        if current and not all(ch in _JOINERS for ch in text[last_end:start]):
            chains.append(current)
            current = []
        current.append(unit)
        last_end = end
    if current:
        chains.append(current)
    return chains


@functools.lru_cache(maxsize=50_000)
def _sentence_tokens(sentence: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for chain in _chains(sentence):
        tokens.extend(u for u in chain if not _CJK.fullmatch(u))  # ASCII words stand alone
        tokens.extend(a + b for a, b in zip(chain, chain[1:], strict=False))
    for word in jieba.cut_for_search(sentence):
        # jieba's words: long words, and single characters jieba left standing alone (墙, 梁).
        if 0 < len(word) <= MAX_TOKEN_CHARS and all(_CJK.fullmatch(ch) for ch in word):
            tokens.append(word)
    return tuple(tokens)


def index_tokens(text: str) -> list[str]:
    """All tokens of a text, in order, for the index."""
    text = normalise(text)
    tokens: list[str] = []
    for m in _SENTENCE.finditer(text):
        tokens.extend(_sentence_tokens(m.group()))
    return tokens


def index_text(text: str) -> str:
    """The tokens of a text as one space-separated string (what the engines index)."""
    return " ".join(index_tokens(text))


@dataclass(frozen=True)
class Term:
    """One term the user typed: it matches when all `tokens` match (`prefix`: as a prefix)."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool = False


def query_terms(query: str) -> list[Term]:
    """The terms of a user query; every term must match. Invalid input never raises: parts that
    hold no letter, digit or CJK character are dropped."""
    terms: list[Term] = []
    for raw in normalise(query).split():
        for chain in _chains(raw):
            if len(chain) >= 2:
                grams = tuple(dict.fromkeys(a + b for a, b in zip(chain, chain[1:], strict=False)))
                terms.append(Term("".join(chain), grams))
            elif _CJK.fullmatch(chain[0]):
                # A lone character: a standalone jieba word, or the start of any bigram.
                terms.append(Term(chain[0], (chain[0],), prefix=True))
            else:
                terms.append(Term(chain[0], (chain[0],)))
    return list({t.text: t for t in terms}.values())[:20]
