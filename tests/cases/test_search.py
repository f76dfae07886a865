"""Search gives the same cases on every database: PostgreSQL's n-gram index only narrows."""

import pytest
from django.db import connection

from cases.models import Case, query_ngrams
from cases.text import normalize

pytestmark = pytest.mark.django_db

QUERIES = [
    "交通",
    "医療",
    "森林",
    "森",
    "地域交通",
    "共助 厚真",
    "ＫＡＢＵＬＥＴ",
    "kabulet",
    "DX",
    "エネルギー",
    "存在しない語句",
]


def plain_substring(query):
    qs = Case.objects.all()
    for word in normalize(query).split():
        qs = qs.filter(search_text__contains=word)
    return set(qs.values_list("slug", flat=True))


@pytest.mark.parametrize("query", QUERIES)
def test_search_equals_plain_substring_matching(query):
    found = set(Case.objects.search(query).values_list("slug", flat=True))
    assert found == plain_substring(query)


def test_search_finds_the_expected_cases():
    assert "meets" in set(Case.objects.search("共助 厚真").values_list("slug", flat=True))
    assert set(Case.objects.search("存在しない語句")) == set()


def test_relevance_puts_title_matches_first(client):
    response = client.get("/cases/", {"q": "交通", "format": "json"})
    titles = [item["title"] for item in response.json()["results"]]
    in_title = [normalize("交通") in normalize(title) for title in titles]
    assert any(in_title)
    assert not all(in_title)
    # Every title match before the first case that matches elsewhere; each group by title.
    assert in_title == sorted(in_title, reverse=True)
    first_group = titles[: in_title.count(True)]
    assert first_group == sorted(first_group)


def test_query_ngrams():
    assert query_ngrams(["交通"]) == {"交通"}
    assert query_ngrams(["森"]) == {"森"}
    assert query_ngrams(["地域交通"]) == {"地域", "域交", "交通"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the n-gram index is PostgreSQL's")
def test_postgresql_uses_the_ngram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Case.objects.search("交通").explain()
    assert "case_search_ngrams_idx" in plan
