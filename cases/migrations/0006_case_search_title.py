"""Keep each case's normalised title, so that relevance can put title matches first cheaply.

Ranking by where a word first occurs in search_text meant reading every matching text; at
100,000 cases a common two-character word read about half of them on every new search.
"""

from django.db import migrations, models

from cases.text import normalize


def fill_search_titles(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    cases = Case.objects.using(schema_editor.connection.alias)
    batch = []
    for case in cases.only("pk", "title").iterator(chunk_size=2000):
        case.search_title = normalize(case.title)
        batch.append(case)
        if len(batch) == 2000:
            cases.bulk_update(batch, ["search_title"])
            batch = []
    cases.bulk_update(batch, ["search_title"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_faster_ngram_function")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_title",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_titles, migrations.RunPython.noop),
    ]
