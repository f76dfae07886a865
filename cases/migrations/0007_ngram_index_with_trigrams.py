"""Index character trigrams too, so that three-character words are answered by the index alone.

With characters and pairs only, a three-character word (自治体, 移住者) had to be confirmed by
reading the text of every case the index proposed: about half a second for a common word at
100,000 cases. With trigrams the index holds the word itself. A PL/pgSQL loop builds the grams
about twice as fast as the set-based SQL of migration 0005, so the rebuild costs no more than
before even though the index now holds about 1.7 times as many grams.
"""

from django.db import migrations

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kokudo_ngrams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    grams text[] := '{}';
    this_char text;
    one_before text := ' ';
    two_before text := ' ';
BEGIN
    -- search_text is normalised (cases.text.normalize): a space is its only whitespace.
    FOREACH this_char IN ARRAY string_to_array(value, NULL) LOOP
        IF this_char <> ' ' THEN
            grams := grams || this_char;
            IF one_before <> ' ' THEN
                grams := grams || (one_before || this_char);
                IF two_before <> ' ' THEN
                    grams := grams || (two_before || one_before || this_char);
                END IF;
            END IF;
        END IF;
        two_before := one_before;
        one_before := this_char;
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT gram FROM unnest(grams) AS gram);
END
$$;
"""

# Migration 0005's function, restored when this migration is reversed.
PREVIOUS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kokudo_ngrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT c AS gram FROM unnest(string_to_array(value, NULL)) AS c WHERE c <> ' '
        UNION ALL
        SELECT c || next FROM (
            SELECT c, lead(c) OVER (ORDER BY i) AS next
            FROM unnest(string_to_array(value, NULL)) WITH ORDINALITY AS chars(c, i)
        ) AS pairs
        WHERE next IS NOT NULL AND c <> ' ' AND next <> ' '
    ) AS grams
$$;
"""


def replace_function(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
            schema_editor.execute("REINDEX INDEX case_search_ngrams_idx")

    return operation


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_search_title")]

    operations = [
        migrations.RunPython(replace_function(CREATE_FUNCTION), replace_function(PREVIOUS_FUNCTION))
    ]
