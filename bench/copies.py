"""Copied-report detection at scale: time, memory and accuracy of search.copies.find_copies.

Makes N synthetic fact texts (the generator of bench/search.py: member-by-member findings,
seismic remarks, Zipf-distributed narrative) plus P planted copies: an existing report's text
moved to another building with its address, owner and a few findings changed — what a
templated appraisal looks like. Then times the two stages of `detect_copies` that do not touch
the database (shingling, then find_copies: common-shingle pruning, MinHash, LSH, exact
Jaccard) and prints recall on the planted pairs and the number of other pairs flagged.

    .venv/bin/python bench/copies.py --reports 100000 --planted 200
"""

from __future__ import annotations

import sys
from pathlib import Path

# Same import-path fix as bench/search.py (this folder holds a module named `search`).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=200)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from bench.search import filler_words, synthetic
    from search.copies import Fingerprint, find_copies, shingles

    rng = random.Random(7)
    vocab = filler_words(rng)
    started = time.perf_counter()
    texts = [(d.building_id, d.text["body"]) for d in synthetic(args.reports, 1, rng, vocab)]
    print(f"generated {len(texts)} texts in {time.perf_counter() - started:.1f}s")

    planted: set[tuple[int, int]] = set()
    for k in range(args.planted):
        source = rng.randrange(len(texts))
        body = texts[source][1]
        sentences = body.split("。")
        # New address and owner in front, two findings reworded: the rest is the copy.
        for _ in range(2):
            i = rng.randrange(len(sentences))
            sentences[i] = sentences[i][: len(sentences[i]) // 2] + "局部抹灰层脱落"
        copy = f"新建村{k + 1}号张{k}户自建房。" + "。".join(sentences)
        texts.append((10_000_000 + k, copy))
        planted.add((source + 1, len(texts)))  # version ids are 1-based positions

    t = time.perf_counter()
    fingerprints = [
        Fingerprint(version_id=i, report_id=i, building_id=b, shingles=shingles(text))
        for i, (b, text) in enumerate(texts, start=1)
    ]
    shingle_s = time.perf_counter() - t
    t = time.perf_counter()
    matches = find_copies(fingerprints)
    find_s = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    found = {(m.version_a, m.version_b) for m in matches}
    hit = len(found & planted)
    n = len(texts)
    print(f"reports: {n} ({args.planted} planted copies)")
    print(f"shingling: {shingle_s:.1f}s ({n / shingle_s:.0f} reports/s)")
    print(f"find_copies (prune, MinHash, LSH, Jaccard): {find_s:.1f}s")
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")
    print(f"planted pairs found: {hit}/{len(planted)} (recall {hit / max(1, len(planted)):.1%})")
    print(f"other pairs flagged: {len(found - planted)}")


if __name__ == "__main__":
    main()
