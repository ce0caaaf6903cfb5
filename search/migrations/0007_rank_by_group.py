"""PostgreSQL: ranking by which groups hold each term, looked up in GIN indexes; the match
table's rows become narrow.

Until now `search_match` kept a 900-byte rank vector (conclusion and captions) in each row,
and a search ran `ts_rank` over it for every match with a term there. Finding a common
word's ids read that row for each of its 89,000 matches: 12,600 heap pages, 84 ms, and 40 ms
more to test the rank vector of each. Now the conclusion and the captions have vectors of
their own, out of line like the matching vector, each under a GIN index: a row is about 90
bytes (the whole table 1,170 pages), the ids of the same word come back in 28–30 ms, and ranking
is a lookup per term and group (the entries with the term in their conclusion, in their
captions) through those indexes, which reads no vector at all (see
search.backends.database.PostgresSearchBackend).

The table is built again beside the old one (its indexes too: the GIN index of the matching
vectors takes about 3 minutes per 100,000 entries) and takes its name; the triggers of
migration 0006 stay, their functions fill the new columns.
"""

from importlib import import_module

from django.db import migrations

match_table = import_module("search.migrations.0006_match_table")

GROUP_VECTOR = "to_tsvector('simple'::regconfig, {row}.tok_{group})"
RANKED_GROUPS = ("conclusion", "captions")
COLUMNS = {
    "tsv": match_table.VECTORS["tsv"],
    **{group: GROUP_VECTOR.replace("{group}", group) for group in RANKED_GROUPS},
}
OLD_COLUMNS = match_table.VECTORS


def functions(columns: dict[str, str]) -> list[str]:
    """The trigger functions of migration 0006 (insert, update of the tokens) for a layout."""
    names = ", ".join(columns)
    new = ", ".join(expr.format(row="added") for expr in columns.values())
    updated = ", ".join(expr.format(row="NEW") for expr in columns.values())
    excluded = ", ".join(f"{name} = excluded.{name}" for name in columns)
    return [
        f"""CREATE OR REPLACE FUNCTION search_match_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO search_match (entry_id, {names})
            SELECT added.id, {new} FROM added
            ON CONFLICT (entry_id) DO UPDATE SET {excluded};
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION search_match_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE search_match SET ({names}) = ({updated}) WHERE entry_id = NEW.id;
            RETURN NULL;
        END $$""",
    ]


def rebuild(columns: dict[str, str], storage: dict[str, str], indexed: tuple[str, ...]) -> list[str]:
    """search_match built again with these vector columns (name -> expression over the entry
    row `e`), their storage, and a GIN index (no pending list, see migration 0005) on each
    of `indexed`."""
    definitions = ", ".join(f"{name} tsvector NOT NULL" for name in columns)
    # Both layouts have the matching vector: copied, not computed again (minutes at 100k).
    values = ", ".join(
        f"COALESCE(m.tsv, {expr.format(row='e')})" if name == "tsv" else expr.format(row="e")
        for name, expr in columns.items()
    )
    return [
        f"CREATE TABLE search_match_new (entry_id bigint PRIMARY KEY, {definitions})",
        *(
            f"ALTER TABLE search_match_new ALTER COLUMN {name} SET STORAGE {kind}"
            for name, kind in storage.items()
        ),
        # Any row over 2 kB (the matching vector makes nearly all) is toasted down to this.
        "ALTER TABLE search_match_new SET (toast_tuple_target = 128)",
        f"INSERT INTO search_match_new (entry_id, {', '.join(columns)}) "
        f"SELECT e.id, {values} FROM search_searchentry e "
        "LEFT JOIN search_match m ON m.entry_id = e.id",
        "DROP TABLE search_match",
        "ALTER TABLE search_match_new RENAME TO search_match",
        "ALTER INDEX search_match_new_pkey RENAME TO search_match_pkey",
        "SET LOCAL maintenance_work_mem = '256MB'",
        *(
            f"CREATE INDEX search_match_{name}_idx ON search_match USING gin ({name}) "
            "WITH (fastupdate = off)"
            for name in indexed
        ),
        "ANALYZE search_match",
        *functions(columns),
    ]


FORWARD = rebuild(COLUMNS, dict.fromkeys(COLUMNS, "EXTERNAL"), tuple(COLUMNS))
REVERSE = rebuild(OLD_COLUMNS, {"tsv": "EXTERNAL", "tsv_rank": "MAIN"}, ("tsv",))


class Migration(migrations.Migration):
    dependencies = [("search", "0006_match_table")]

    operations = [
        migrations.RunPython(match_table.run(FORWARD), match_table.run(REVERSE)),
    ]
