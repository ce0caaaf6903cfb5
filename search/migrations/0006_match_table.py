"""PostgreSQL: the full-text vectors move from the entry row to a narrow table of their own.

A search reads every matching row to get its id (the GIN index gives row addresses only):
for a word in 89 % of 100k reports that was 19,600 pages of the wide entry table (1.5 kB a
row: display columns, facet strings, pointers to the texts and the 900-byte rank vector),
more than the default shared_buffers hold, so each such search read them again from the OS.
`search_match` holds only the entry id, the matching vector (out of line, read through
the GIN index only) and the rank vector (in the row): about 1 kB a row, and a common word's
ids came back in 57–87 ms instead of 147–170 (ranked: 119–131 instead of 187–210).

As SQLite's FTS table, it follows the entry table by triggers (insert, update of the
tokens, delete, truncate), so every write to entries, a test database's flush included,
updates it. No foreign key: a flush truncates the entry table alone.
"""

from importlib import import_module

from django.db import migrations

full_text = import_module("search.migrations.0002_full_text")

VECTORS = {
    "tsv": "setweight(to_tsvector('simple'::regconfig, {row}.tok_conclusion), 'A') "
    "|| setweight(to_tsvector('simple'::regconfig, {row}.tok_facts), 'B') "
    "|| setweight(to_tsvector('simple'::regconfig, {row}.tok_body), 'C') "
    "|| setweight(to_tsvector('simple'::regconfig, {row}.tok_captions), 'D')",
    # Ranking: the conclusion (A) and the captions (D) only; see migration 0002.
    "tsv_rank": "setweight(to_tsvector('simple'::regconfig, {row}.tok_conclusion), 'A') "
    "|| setweight(to_tsvector('simple'::regconfig, {row}.tok_captions), 'D')",
}


def vectors(row: str) -> str:
    return ", ".join(expr.format(row=row) for expr in VECTORS.values())


FORWARD = [
    """CREATE TABLE search_match (
        entry_id bigint PRIMARY KEY,
        tsv tsvector NOT NULL,
        tsv_rank tsvector NOT NULL
    )""",
    # The matching vector out of line, the rank vector in the row (see the docstring).
    "ALTER TABLE search_match ALTER COLUMN tsv SET STORAGE EXTERNAL",
    "ALTER TABLE search_match ALTER COLUMN tsv_rank SET STORAGE MAIN",
    "ALTER TABLE search_match SET (toast_tuple_target = 128)",
    # Rows added by one statement (bulk_create) are vectorised in one statement.
    f"""CREATE FUNCTION search_match_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_match (entry_id, tsv, tsv_rank)
        SELECT added.id, {vectors("added")} FROM added
        ON CONFLICT (entry_id) DO UPDATE SET tsv = excluded.tsv, tsv_rank = excluded.tsv_rank;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_match_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_match WHERE entry_id IN (SELECT id FROM removed);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_match_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE search_match;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION search_match_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE search_match SET (tsv, tsv_rank) = ({vectors("NEW")})
        WHERE entry_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_match_ai AFTER INSERT ON search_searchentry
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_match_added()""",
    """CREATE TRIGGER search_match_ad AFTER DELETE ON search_searchentry
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION search_match_removed()""",
    """CREATE TRIGGER search_match_at AFTER TRUNCATE ON search_searchentry
        FOR EACH STATEMENT EXECUTE FUNCTION search_match_emptied()""",
    """CREATE TRIGGER search_match_au
        AFTER UPDATE OF tok_conclusion, tok_facts, tok_body, tok_captions ON search_searchentry
        FOR EACH ROW EXECUTE FUNCTION search_match_changed()""",
    "INSERT INTO search_match (entry_id, tsv, tsv_rank) "
    "SELECT id, tsv, tsv_rank FROM search_searchentry",
    "CREATE INDEX search_match_tsv_idx ON search_match USING gin (tsv) WITH (fastupdate = off)",
    "ANALYZE search_match",
    "DROP INDEX search_entry_tsv_idx",
    "ALTER TABLE search_searchentry DROP COLUMN tsv_rank",
    "ALTER TABLE search_searchentry DROP COLUMN tsv",
]
REVERSE = [
    *full_text.POSTGRES[:2],  # the generated columns (computed again for every row)
    "ALTER TABLE search_searchentry ALTER COLUMN tsv_rank SET STORAGE MAIN",
    "CREATE INDEX search_entry_tsv_idx ON search_searchentry USING gin (tsv) "
    "WITH (fastupdate = off)",
    *(
        f"DROP TRIGGER search_match_{event} ON search_searchentry"
        for event in ("au", "at", "ad", "ai")
    ),
    "DROP TABLE search_match",
    *(
        f"DROP FUNCTION search_match_{name}()"
        for name in ("changed", "emptied", "removed", "added")
    ),
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0005_gin_no_pending_list")]

    operations = [migrations.RunPython(run(FORWARD), run(REVERSE))]
