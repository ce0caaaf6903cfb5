"""The engine part of the database backend's index, for the database in use.

SQLite: an FTS5 table over SearchEntry's token columns (external content: the tokens are stored
once, in the entry row), kept in step by triggers — so any write to search_searchentry,
including a test-database flush, updates the full-text index too.
PostgreSQL: generated, weighted tsvector columns (one to match, with a GIN index; a small one
to rank).
Tokens contain only CJK characters, a-z and 0-9 (search.tokenize), which both engines keep whole.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        tok_conclusion, tok_facts, tok_body, tok_captions,
        content='search_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, tok_conclusion, tok_facts, tok_body, tok_captions)
        VALUES (new.id, new.tok_conclusion, new.tok_facts, new.tok_body, new.tok_captions);
    END""",
    """CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, tok_conclusion, tok_facts, tok_body, tok_captions)
        VALUES ('delete', old.id, old.tok_conclusion, old.tok_facts, old.tok_body, old.tok_captions);
    END""",
    """CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, tok_conclusion, tok_facts, tok_body, tok_captions)
        VALUES ('delete', old.id, old.tok_conclusion, old.tok_facts, old.tok_body, old.tok_captions);
        INSERT INTO search_fts(rowid, tok_conclusion, tok_facts, tok_body, tok_captions)
        VALUES (new.id, new.tok_conclusion, new.tok_facts, new.tok_body, new.tok_captions);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES = [
    # Matching: every group, weighted. Large (kilobytes), so it lives out of line (TOAST) and
    # is only read through the GIN index.
    """ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, tok_conclusion), 'A')
        || setweight(to_tsvector('simple'::regconfig, tok_facts), 'B')
        || setweight(to_tsvector('simple'::regconfig, tok_body), 'C')
        || setweight(to_tsvector('simple'::regconfig, tok_captions), 'D')
    ) STORED""",
    # Ranking: the small groups only (conclusion A, captions D), kept in the row (STORAGE
    # MAIN), so ranking thousands of matches reads no TOAST. Matches only in the body or the
    # facts rank by date among themselves.
    """ALTER TABLE search_searchentry ADD COLUMN tsv_rank tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, tok_conclusion), 'A')
        || setweight(to_tsvector('simple'::regconfig, tok_captions), 'D')
    ) STORED""",
    # Keep the row narrow: the facet columns and the rank vector stay in it (MAIN), every wide
    # column goes out of line, so facet counts over many matches read few heap pages.
    *(
        f"ALTER TABLE search_searchentry ALTER COLUMN {column} SET STORAGE MAIN"
        for column in (
            "tsv_rank", "standards", "report_no", "building_no", "grade", "county", "firm",
            "structure_type", "floors_bucket", "year_bucket", "business_use", "appraisal_type",
        )
    ),
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 128)",
    "CREATE INDEX search_entry_tsv_idx ON search_searchentry USING gin (tsv)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_entry_tsv_idx",
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv_rank",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
