"""On PostgreSQL, index every case's search text by its characters and character pairs.

Japanese queries are often two characters (交通, 医療), too short for pg_trgm; a GIN index over
the text's unigrams and bigrams serves them, and CaseQuerySet.search rechecks the exact
substring. Other databases keep the plain substring search.
"""

from django.db import migrations

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kokudo_ngrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(value, i, 1) AS gram FROM generate_series(1, char_length(value)) AS i
        UNION ALL
        SELECT substr(value, i, 2) FROM generate_series(1, char_length(value) - 1) AS i
    ) AS grams
    WHERE gram !~ '\s'
$$;
"""
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS case_search_ngrams_idx "
    "ON cases_case USING gin (kokudo_ngrams(search_text))"
)
DROP = "DROP INDEX IF EXISTS case_search_ngrams_idx; DROP FUNCTION IF EXISTS kokudo_ngrams(text);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)
        schema_editor.execute(CREATE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_editor_group")]

    operations = [migrations.RunPython(create, drop)]
