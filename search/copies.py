"""Copied-report detection: near-identical fact-bearing text on two different buildings.

A report copied from another one (a "templated" appraisal) keeps the other's inspection
findings — member locations, crack widths, strengths — while the cover facts change. So:

1. Only fact-bearing sections count (概况 / 现场检查 / 结论 / 建议, via the one adapter
   `search.documents.version_sections`); the standards list, disclaimers and appendices don't.
2. Known boilerplate is dropped sentence by sentence: the JGJ 125 grade definitions (both
   editions), standard citations, disclaimers.
3. Text becomes character shingles (8 characters, hashed). Shingles found in more than
   SEARCH_COPY_MAX_SHINGLE_SHARE (default 5 %) of the reports — a firm's own template
   sentences, common phrasing — are dropped too, once there are enough reports to tell
   (SEARCH_COPY_MIN_CORPUS, default 20).
4. MinHash signatures (one-permutation hashing, 128 bins) and LSH bands (64 × 2: a pair
   at Jaccard 0.3 becomes a candidate with 99.8 % probability) find candidate pairs without
   comparing every pair; candidates on the same building are skipped; the exact Jaccard
   similarity of the remaining shingles decides (SEARCH_COPY_THRESHOLD, default 0.3, and at
   least 20 shared shingles). Independent reports score near 0 once common shingles are gone:
   each report's own address, owner and findings dominate what is left.

Run by `manage.py search_detect_copies` or the `detect_copied_reports` task; flagged pairs
are `CopyPair` rows, whose review status survives later runs.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
import zlib
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.html import escape

from search.documents import version_sections
from search.models import CopyPair

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from reports.models import ReportVersion

SHINGLE = 8
BINS = 128
BANDS = 64
ROWS = BINS // BANDS
MIN_SHARED = 20
MIN_PASSAGE = 12
_MASK64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15
_EMPTY = 1 << 64

FACT_SECTIONS = (
    "overview", "inspection", "conclusion", "recommendation",
    "概况", "基本情况", "现场", "检查", "检测", "查勘", "损坏", "现状", "结论", "评定", "建议", "意见",
)  # fmt: skip
BOILERPLATE = [
    # JGJ 125-2016 6.1.4 and JGJ 125-99 grade definitions.
    "无危险构件，房屋结构能满足安全使用要求",
    "个别结构构件评定为危险构件，但不影响主体结构安全，基本能满足安全使用要求",
    "部分承重结构不能满足安全使用要求，房屋局部处于危险状态，构成局部危房",
    "承重结构已不能满足安全使用要求，房屋整体处于危险状态，构成整幢危房",
    "结构能满足正常使用要求，未发现危险点，房屋结构安全",
    "结构基本满足正常使用要求，个别结构构件处于危险状态，但不影响主体结构安全",
    "部分承重结构不能满足正常使用要求，局部出现险情，构成局部危房",
    "承重结构已不能满足正常使用要求，房屋整体出现险情，构成整幢危房",
]
_BOILER_KEYS = [re.sub(r"\W", "", b) for b in BOILERPLATE]
# Sentences that cite standards or are disclaimers.
_BOILER_SENTENCE = re.compile(
    r"《[^》]*》|\b(?:GB|JGJ|CECS|DBJ?|GB/T)\s*/?\s*T?\s*\d{3,5}|本报告|仅对|不得(?:复制|涂改|作为)|盖章|无效|声明"
)
_SENTENCES = re.compile(r"[^。；;！!？?\n]+")
_NON_TEXT = re.compile(r"[\s\W_]+")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def fact_text(version: ReportVersion) -> str:
    sections = version_sections(version)
    facts = [text for key, text in sections if any(w in key.lower() for w in FACT_SECTIONS)]
    return "\n".join(facts if facts else [text for _, text in sections])


def fact_sentences(text: str) -> list[str]:
    """Normalised sentences of a text without the boilerplate."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in _SENTENCES.finditer(text):
        sentence = m.group()
        if _BOILER_SENTENCE.search(sentence):
            continue
        key = _NON_TEXT.sub("", sentence).lower()
        if len(key) < SHINGLE or any(b in key for b in _BOILER_KEYS):
            continue
        out.append(key)
    return out


def shingles(text: str) -> array:
    values = {
        zlib.crc32(s[i : i + SHINGLE].encode())
        for s in fact_sentences(text)
        for i in range(len(s) - SHINGLE + 1)
    }
    return array("I", sorted(values))


def signature(values: Iterable[int]) -> list[int]:
    """One-permutation MinHash with rotation densification."""
    sig = [_EMPTY] * BINS
    for v in values:
        x = (v * _MIX + 0x632BE59BD9B4E019) & _MASK64
        x ^= x >> 29
        x = (x * 0xBF58476D1CE4E5B9) & _MASK64
        b, rest = x >> 57, x & ((1 << 57) - 1)
        if rest < sig[b]:
            sig[b] = rest
    if all(s == _EMPTY for s in sig):
        return sig
    filled = sig[:]
    for i in range(BINS):
        if filled[i] == _EMPTY:
            # An empty bin borrows from the next filled one, offset by the distance.
            j = 1
            while filled[(i + j) % BINS] == _EMPTY:
                j += 1
            sig[i] = filled[(i + j) % BINS] + j * (1 << 57)
    return sig


@dataclass
class Fingerprint:
    version_id: int
    report_id: int
    building_id: int
    shingles: array


def _corpus() -> Iterable[Fingerprint]:
    from reports.models import ReportState, ReportVersion

    qs = (
        ReportVersion.objects.filter(
            state__in=(ReportState.ACCEPTED, ReportState.SUBMITTED), report__current_version=F("pk")
        )
        .annotate(building_id=F("report__task__building_id"))
        .only("pk", "report_id", "extracted")
        .order_by("pk")
    )
    for v in qs.iterator(chunk_size=500):
        yield Fingerprint(v.pk, v.report_id, v.building_id, shingles(fact_text(v)))


@dataclass
class Match:
    version_a: int
    version_b: int
    similarity: float
    shared: int


def find_copies(fingerprints: list[Fingerprint]) -> list[Match]:
    threshold = float(_setting("SEARCH_COPY_THRESHOLD", 0.3))
    share = float(_setting("SEARCH_COPY_MAX_SHINGLE_SHARE", 0.05))
    min_corpus = int(_setting("SEARCH_COPY_MIN_CORPUS", 20))
    n = len(fingerprints)
    if n >= min_corpus:
        df: Counter[int] = Counter()
        for fp in fingerprints:
            df.update(fp.shingles)
        limit = max(2, math.ceil(n * share))
        common = {h for h, c in df.items() if c > limit}
        for fp in fingerprints:
            fp.shingles = array("I", (h for h in fp.shingles if h not in common))
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for i, fp in enumerate(fingerprints):
        if len(fp.shingles) < MIN_SHARED:
            continue
        sig = signature(fp.shingles)
        for band in range(BANDS):
            buckets[(band, tuple(sig[band * ROWS : (band + 1) * ROWS]))].append(i)
    candidates: set[tuple[int, int]] = set()
    for members in buckets.values():
        if 1 < len(members) <= 200:  # a huge bucket is a shared template, not a copy
            candidates.update((a, b) for k, a in enumerate(members) for b in members[k + 1 :])
    matches = []
    for a, b in candidates:
        fa, fb = fingerprints[a], fingerprints[b]
        if fa.building_id == fb.building_id:
            continue
        sa, sb = set(fa.shingles), set(fb.shingles)
        shared = len(sa & sb)
        similarity = shared / len(sa | sb)
        if similarity >= threshold and shared >= MIN_SHARED:
            lo, hi = sorted((fa.version_id, fb.version_id))
            matches.append(Match(lo, hi, round(similarity, 4), shared))
    return sorted(matches, key=lambda m: -m.similarity)


def detect_copies(progress: Callable[[str], None] | None = None) -> list[CopyPair]:
    """Recompute the flagged pairs over accepted and submitted reports. Pairs a bureau user
    has reviewed keep their status; unreviewed pairs no longer found are removed."""
    fingerprints = list(_corpus())
    if progress:
        progress(f"{len(fingerprints)} reports fingerprinted")
    matches = find_copies(fingerprints)
    with transaction.atomic():
        existing = {
            (p.version_a_id, p.version_b_id): p for p in CopyPair.objects.select_for_update()
        }
        found = set()
        for m in matches:
            key = (m.version_a, m.version_b)
            found.add(key)
            pair = existing.get(key)
            if pair is None:
                CopyPair.objects.create(
                    version_a_id=m.version_a,
                    version_b_id=m.version_b,
                    similarity=m.similarity,
                    shared_shingles=m.shared,
                )
            elif (pair.similarity, pair.shared_shingles) != (m.similarity, m.shared):
                pair.similarity, pair.shared_shingles = m.similarity, m.shared
                pair.save(update_fields=["similarity", "shared_shingles", "updated_at"])
        gone = [
            p.pk
            for key, p in existing.items()
            if key not in found and p.status == CopyPair.Status.NEW
        ]
        CopyPair.objects.filter(pk__in=gone).delete()
    if progress:
        progress(f"{len(matches)} pairs flagged")
    return list(CopyPair.objects.filter(status=CopyPair.Status.NEW))


def visible_pairs(user: Any) -> Any:
    """Pairs whose two reports the user may both read."""
    from reports.models import ReportVersion

    visible = ReportVersion.objects.visible_to(user).values("pk")
    return CopyPair.objects.filter(version_a__in=visible, version_b__in=visible).select_related(
        "version_a__report__task__building__county",
        "version_a__report__firm",
        "version_b__report__task__building__county",
        "version_b__report__firm",
    )


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>"]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def shared_passages(a: ReportVersion, b: ReportVersion) -> tuple[str, str, list[str]]:
    """Both fact texts as safe HTML with shared passages marked, and the passages themselves."""
    ta = " ".join(fact_text(a).split())
    tb = " ".join(fact_text(b).split())
    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    blocks = [m for m in matcher.get_matching_blocks() if m.size >= MIN_PASSAGE]
    left = _marked(ta, [(m.a, m.a + m.size) for m in blocks])
    right = _marked(tb, [(m.b, m.b + m.size) for m in blocks])
    return left, right, [ta[m.a : m.a + m.size] for m in blocks]
