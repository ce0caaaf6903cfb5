"""Report search latency and indexing throughput on 100k synthetic reports.

Builds (once; reused while the count matches) N synthetic index entries through the real
text path (`search.backends.database.entry_for`: the same tokenisation as live indexing),
bulk-inserted with the backend's own `write()`, then times, for several queries:

* project — `backend.search()` with every facet (tokenise, engine, facets, the page's
  display columns, names, snippets) and the service layer's re-check (`indexable_check`, checked
  in the display statement; the synthetic entries have no report versions, so no hit
  passes, and `_recheck`'s reindexing of such hits is left out);
* bare — the engine's own match, rank, top-20, total and facet aggregation as one
  hand-written statement on a cursor at the server's settings, without the project's layers
  (reported with the ratio); on PostgreSQL also the same statement under the project's
  planner settings (search_tuned: no sequential scan, no JIT), for reference.

The variants of a query are sampled in turn, so a ratio compares runs made side by side.

    createdb -h 127.0.0.1 -U postgres jianding_search_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jianding_search_bench \\
        .venv/bin/python bench/search.py
    PORTAL_VAR_DIR=$(mktemp -d) .venv/bin/python bench/search.py      # SQLite

Goals: p95 <= 50 ms for rare and medium terms, <= 200 ms for common ones, project/bare <= 1.5.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the project's `search` app: drop its folder from the import
# path before anything imports `search`, and import the helpers by package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench._setup import django_setup  # noqa: E402

COUNTIES = [
    "盐湖区",
    "临猗县",
    "万荣县",
    "闻喜县",
    "稷山县",
    "新绛县",
    "绛县",
    "垣曲县",
    "夏县",
    "平陆县",
    "芮城县",
    "永济市",
    "河津市",
]
STRUCTURES = [
    ("砖混结构", 50),
    ("砖木结构", 14),
    ("框架结构", 13),
    ("土木结构", 10),
    ("混合结构", 8),
    ("钢结构", 5),
]
MEMBERS = [
    "墙体",
    "楼板",
    "屋面板",
    "过梁",
    "挑梁",
    "木屋架",
    "木檩条",
    "框架柱",
    "框架梁",
    "钢柱",
    "钢梁",
]
# Findings and how often a member gets each: "裂缝" ends up in most reports (common term).
FINDINGS = [
    ("斜裂缝，最大宽度{w}mm，贯通墙厚", 14),
    ("水平裂缝，最大宽度{w}mm", 10),
    ("八字形裂缝，最大宽度{w}mm", 5),
    ("板底露筋锈胀，混凝土剥落", 6),
    ("挠度明显，板缝开裂渗水", 5),
    ("木构件糟朽、虫蛀，截面削弱严重", 5),
    ("节点连接松动，构件明显变形", 4),
    ("未见明显损伤", 40),
    ("表面粉刷层局部空鼓", 10),
    ("局部轻微渗水痕迹", 8),
]
STANDARDS = [
    "JGJ 125-2016",
    "GB 50292-2015",
    "GB/T 50344-2019",
    "GB 55021-2021",
    "GB 50023-2009",
    "GB 50011-2010(2016年版)",
    "GB 50003-2011",
    "GB 50007-2011",
]
RECS = {
    "A": "可正常使用",
    "B": "适当维修后使用",
    "C": "处理使用，局部加固或拆除危险构件",
    "D": "停止使用，整体拆除",
}
FIRMS = [f"运城市第{i}房屋安全鉴定有限公司" for i in range(1, 41)]
RARE = "冻融剥蚀"  # in ~0.5 % of reports
MEDIUM = "圈梁"  # in ~10 %
QUERIES = [
    ("rare", RARE),
    ("medium", MEDIUM),
    ("common", "裂缝"),
    ("multi", "C级 砖混 裂缝"),
    ("multi2", "露筋 锈胀 楼板"),
]


def filler_words(rng: random.Random) -> tuple[list[str], list[float]]:
    """jieba's dictionary by frequency: a Zipf-like vocabulary for the narrative text."""
    import jieba

    jieba.initialize()
    items = sorted(jieba.dt.FREQ.items(), key=lambda kv: -kv[1])
    items = [(w, f) for w, f in items if f > 0 and len(w) >= 2][:40_000]
    return [w for w, _ in items], [f for _, f in items]


def synthetic(n: int, start: int, rng: random.Random, vocab: tuple[list[str], list[float]]):
    from search.documents import ReportDocument

    words, weights = vocab
    cum = list(__import__("itertools").accumulate(weights))
    for i in range(start, start + n):
        st = rng.choices([s for s, _ in STRUCTURES], weights=[w for _, w in STRUCTURES])[0]
        grade = rng.choices("ABCD", weights=(20, 35, 30, 15))[0]
        members = []
        for k in range(rng.randint(4, 12)):
            finding = rng.choices([f for f, _ in FINDINGS], weights=[w for _, w in FINDINGS])[0]
            finding = finding.format(w=rng.choice(("1.5", "2.0", "2.5", "3.0", "4.5")))
            members.append(
                f"{rng.randint(1, 3)}层{'ABCD'[k % 4]}轴/{k + 1}～{k + 3}轴{rng.choice(MEMBERS)}{finding}。"
            )
        if rng.random() < 0.005:
            members.append(f"外墙根部砖块{RARE}，灰缝砂浆粉化。")
        seismic = (
            "各层楼盖处均设置了钢筋混凝土圈梁，纵横墙连接可靠。"
            if rng.random() < 0.10
            else "抗震构造措施不完善，纵横墙连接较差。"
        )
        narrative = "".join(rng.choices(words, cum_weights=cum, k=rng.randint(120, 200)))
        narrative = "。".join(narrative[j : j + 40] for j in range(0, len(narrative), 40))
        date = dt.date(2022, 7, 1) + dt.timedelta(days=rng.randint(0, 900))
        year_built = rng.randint(1970, 2020)
        county = rng.randrange(len(COUNTIES))
        firm = rng.randrange(len(FIRMS))
        yield ReportDocument(
            report_id=i, version_id=i, building_id=i, report_no=f"BENCH-{i:06d}", building_no=f"B{i:06d}",
            grade=grade, county_id=county + 1, county=COUNTIES[county], firm_id=firm + 1, firm=FIRMS[firm],
            structure_type=st, floors=rng.randint(1, 6), year_built=year_built,
            business_use=rng.choice(["非经营性"] * 7 + ["餐饮", "住宿", "批发零售"]),
            appraisal_type=rng.choice(["危险性鉴定"] * 9 + ["安全评估"]), date=date,
            standards=rng.sample(STANDARDS, rng.randint(3, 6)),
            text={
                "conclusion": f"鉴定结论：房屋危险性等级评定为{grade}级。处理建议：{RECS[grade]}。",
                "facts": f"报告编号：BENCH-{i:06d} 鉴定机构：{FIRMS[firm]} 县区：{COUNTIES[county]} 结构类型：{st}",
                "body": f"{COUNTIES[county]}某村{rng.randint(1, 300)}号，{st}，建于{year_built}年。" + "".join(members) + seismic + narrative,
                "captions": "房屋外观；" + "；".join(m[:12] for m in members[:3]),
            },
        )  # fmt: skip


def build(n: int, backend, seed: int = 1) -> float:
    """Fill the index with n synthetic reports; returns reports/s of the text path + insert."""
    from django.db import connection

    from search.backends.database import entry_for
    from search.models import SearchEntry

    if SearchEntry.objects.count() == n:
        return 0.0
    backend.rebuild([])
    rng = random.Random(seed)
    vocab = filler_words(rng)
    pg = connection.vendor == "postgresql"
    if pg:  # the GIN index is built once at the end, as its migrations define it
        with connection.cursor() as c:
            c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_match_tsv_idx'")
            (gin_index,) = c.fetchone()
            c.execute("DROP INDEX search_match_tsv_idx")
    started = time.perf_counter()
    done = 0
    batch = 2000
    while done < n:
        docs = list(synthetic(min(batch, n - done), done + 1, rng, vocab))
        backend.write([entry_for(d) for d in docs], {d.report_id: d.standards for d in docs})
        done += len(docs)
        rate = done / (time.perf_counter() - started)
        print(f"\r  built {done}/{n} ({rate:.0f}/s)", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    with connection.cursor() as c:
        if pg:
            t = time.perf_counter()
            c.execute(gin_index)
            print(f"  GIN index built in {time.perf_counter() - t:.1f}s", file=sys.stderr)
            c.execute(
                "VACUUM ANALYZE search_searchentry, search_match"
                if connection.in_atomic_block is False
                else "ANALYZE"
            )
        else:
            c.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            c.execute("ANALYZE")
    return n / elapsed


def throughput(backend, n: int = 1000) -> tuple[float, float]:
    """Indexing throughput (reports/s) with a cold tokeniser cache, through backend.index():
    text path only (tokenise), and tokenise + write (delete, insert, engine index)."""
    from django.db import transaction

    from search.backends.database import entry_for
    from search.tokenize import _sentence_tokens

    rng = random.Random(99)
    docs = list(synthetic(n, 10_000_000, rng, filler_words(rng)))
    _sentence_tokens.cache_clear()
    t = time.perf_counter()
    for d in docs:
        entry_for(d)
    text_rate = n / (time.perf_counter() - t)
    _sentence_tokens.cache_clear()
    t = time.perf_counter()
    for i in range(0, n, 100):
        with transaction.atomic():
            backend.index(docs[i : i + 100])
    full_rate = n / (time.perf_counter() - t)
    backend.delete(d.report_id for d in docs)
    return text_rate, full_rate


FACET_SQL = (
    "grade", "county_id", "structure_type", "floors_bucket", "year_bucket", "business_use",
    "appraisal_type", "firm_id", "year", "CAST(standards AS TEXT)",
)  # fmt: skip


def bare_sql(backend, text: str) -> tuple[str, list]:
    """The engine's own query, written by hand: match, rank, the top 20, the total and every
    facet count (each engine's own aggregation: GROUPING SETS on PostgreSQL, one pass; a
    GROUP BY per facet on SQLite), over the same tables, without the project's layers
    (tokenising, filters, the page's display columns, names, snippets, assembly, the
    re-check)."""
    from django.db import connection

    from search.backends.database import Match
    from search.tokenize import query_terms

    match = Match.every(query_terms(text), ranked=True)
    columns = "e.id, e.date, e.standards, " + ", ".join(f"e.{c}" for c in FACET_SQL[:9])
    if connection.vendor == "postgresql":
        tsquery, terms = backend.tsqueries(match)
        # The project's ranking (terms found per ranked group, weighted), summed in SQL.
        found = " UNION ALL ".join(
            f"SELECT entry_id, CAST({weight} AS real) AS w FROM search_match "  # noqa: S608 - constants
            f"WHERE {group} @@ CAST(%s AS tsquery)"
            for _ in terms
            for group, weight in backend.weights
        )
        scores = f"SELECT entry_id, SUM(w) AS score FROM ({found}) AS f GROUP BY entry_id"  # noqa: S608 - constants
        params = [term for term in terms for _ in backend.weights]
        sets = ", ".join(f"({c})" for c in FACET_SQL)
        sql = (
            f"WITH s AS MATERIALIZED ({scores}), "  # noqa: S608 - constants
            f"m AS MATERIALIZED (SELECT {columns}, COALESCE(s.score, 0) AS score "
            "FROM search_match t JOIN search_searchentry e ON e.id = t.entry_id "
            "LEFT JOIN s ON s.entry_id = t.entry_id WHERE t.tsv @@ CAST(%s AS tsquery)) "
            "(SELECT id, score, 0 FROM m ORDER BY score DESC, date DESC, id DESC LIMIT 20) "
            f"UNION ALL SELECT 0, 0, COUNT(*) FROM m GROUP BY GROUPING SETS ((), {sets})"
        )
        return sql, [*params, tsquery]
    every = backend.fts_queries(match)[0]
    groups = " UNION ALL ".join(
        f"SELECT 0, 0, COUNT(*) FROM m GROUP BY {c.replace('CAST(standards AS TEXT)', 'standards')}"  # noqa: S608 - constants
        for c in FACET_SQL
    )
    sql = (
        f"WITH m AS MATERIALIZED (SELECT {columns}, bm25(search_fts, 10.0, 4.0, 2.0, 1.0) AS score "  # noqa: S608 - constants
        "FROM search_fts JOIN search_searchentry e ON e.id = search_fts.rowid "
        "WHERE search_fts MATCH %s) "
        "SELECT * FROM (SELECT id, score, 0 FROM m ORDER BY score ASC, date DESC, id DESC LIMIT 20) "
        f"UNION ALL SELECT 0, 0, COUNT(*) FROM m UNION ALL {groups}"
    )
    return sql, [every]


def columns_load(backend) -> None:
    """What the facet columns cost: the full read (once per process), catching up after an
    index change, and memory."""
    import tracemalloc

    from django.db import connection

    from search.backends.columns import Columns
    from search.backends.database import ENTRY

    with connection.cursor() as c:
        t = time.perf_counter()
        Columns.load(c, ENTRY, "bench")
        elapsed = time.perf_counter() - t
        tracemalloc.start()
        cols = Columns.load(c, ENTRY, "bench")
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        t = time.perf_counter()
        cols.refreshed(c, ENTRY, "bench-2")
        refresh = time.perf_counter() - t
    print(
        f"facet columns: full load {elapsed * 1000:.0f} ms, {size / 2**20:.1f} MiB for "
        f"{len(cols.ids)} entries; catching up after an index change {refresh * 1000:.0f} ms "
        "plus the rows added"
    )


def timed(fns, runs: int) -> list[tuple[float, float]]:
    """(p50, p95) in ms of each function, sampled in turn (A, B, C, A, B, C, ...): each sees
    the same state of the machine (a background vacuum, another process), so their ratio is
    not skewed by when each ran."""
    for _ in range(3):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, taken in zip(fns, samples, strict=True):
            t = time.perf_counter()
            fn()
            taken.append((time.perf_counter() - t) * 1000)
    figures = []
    for taken in samples:
        taken.sort()
        p95 = taken[min(len(taken) - 1, int(round(0.95 * (len(taken) - 1))))]
        figures.append((statistics.median(taken), p95))
    return figures


def settle() -> None:
    """Leave the tables as a steady index has them after the throughput run's deletes: vacuumed
    and analysed, so no autovacuum runs during the measurements."""
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("VACUUM ANALYZE search_searchentry, search_match")
        else:
            c.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--rounds", type=int, default=2, help="measure the whole set this many times"
    )
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from search.backends import get_search_backend
    from search.documents import FACETS, SearchQuery
    from search.service import indexable_check

    backend = get_search_backend("database")
    print(f"engine: {connection.vendor} ({type(backend).__name__}), {args.reports} reports")
    rate = build(args.reports, backend)
    if rate:
        print(
            f"bulk build: {rate:.0f} reports/s (tokenise + insert, engine index built after on PostgreSQL)"
        )
    text_rate, full_rate = throughput(backend)
    print(
        f"indexing throughput (cold tokeniser cache, 1000 reports): text {text_rate:.0f}/s, text+write {full_rate:.0f}/s"
    )

    for name, text in QUERIES:
        total = backend.search(SearchQuery(text=text, facets=(), limit=1)).total
        print(f"  {name:7} {text!r}: {total} matches ({100 * total / args.reports:.1f} %)")

    def project(text: str):
        def run():
            page = backend.search(
                SearchQuery(text=text, facets=FACETS), visible=indexable_check(None)
            )
            if page.visible is None:
                raise RuntimeError("the database backend did not check its hits")
            return page

        return run

    pg = connection.vendor == "postgresql"

    def bare(text: str):
        sql, params = bare_sql(backend, text)

        def run():
            with connection.cursor() as c:
                c.execute(sql, params)
                c.fetchall()

        return run

    def bare_tuned(text: str):
        sql, params = bare_sql(backend, text)

        def run():
            backend.tuned(sql, params, "a bigint, b real, c bigint")

        return run

    settle()
    columns_load(backend)

    for r in range(args.rounds):
        print(f"round {r + 1}: p50 / p95 in ms")
        tuned = " bare, project's plan settings" if pg else ""
        print(f"  {'query':8} {'project':>15} {'bare':>15} {'ratio p50/p95':>14}{tuned}")
        for name, text in QUERIES:
            fns = [project(text), bare(text), *([bare_tuned(text)] if pg else [])]
            (p50, p95), (b50, b95), *tuned_figures = timed(fns, args.runs)
            line = f"  {name:8} {p50:7.1f} /{p95:6.1f} {b50:7.1f} /{b95:6.1f} {p50 / b50:6.2f} /{p95 / b95:5.2f}"
            for t50, t95 in tuned_figures:
                line += f" {t50:9.1f} /{t95:6.1f}"
            print(line)


if __name__ == "__main__":
    main()
