"""Search gives the same cases on every database: PostgreSQL's n-gram index only narrows."""

import pytest
from django.db import connection

from cases.models import Case
from cases.search import ngram_code, query_ngrams
from cases.text import normalize
from tests import oracles

pytestmark = pytest.mark.django_db


def test_search_finds_the_expected_cases():
    assert "meets" in set(Case.objects.search("共助 厚真").values_list("slug", flat=True))
    assert set(Case.objects.search("存在しない語句")) == set()


def test_relevance_puts_title_matches_first(client):
    response = client.get("/cases/", {"q": "交通", "format": "json"})
    results = response.json()["results"]
    titles = [item["title"] for item in results]
    in_title = [normalize("交通") in normalize(title) for title in titles]
    assert any(in_title)
    assert not all(in_title)
    # Every title match before the first case that matches elsewhere; each group by reading.
    assert in_title == sorted(in_title, reverse=True)
    files = oracles.yaml_cases()
    first_group = [item["slug"] for item in results][: in_title.count(True)]
    assert first_group == sorted(
        first_group,
        key=lambda slug: oracles.reading_order_key(files[slug]["title_kana"], files[slug]["title"]),
    )


def test_query_ngrams():
    assert query_ngrams(["交通"]) == {"交通"}
    assert query_ngrams(["森"]) == {"森"}
    assert query_ngrams(["自治体"]) == {"自治体"}
    assert query_ngrams(["地域交通"]) == {"地域交", "域交通"}
    assert query_ngrams(["森", "自治体"]) == {"森", "自治体"}


def reference_ngrams(text):
    """Every run of characters between spaces, cut into its substrings of one to three."""
    return {
        run[start : start + size]
        for run in text.split(" ")
        for size in (1, 2, 3)
        for start in range(len(run) - size + 1)
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="kokudo_ngram_codes() is PostgreSQL's"
)
@pytest.mark.parametrize(
    "text",
    ["", "森", "交通", "自治体 dx", "地域交通の 再編 a b", "  ab  cde ", "ＫＡＢＵ 交通交通"],
)
def test_postgresql_ngrams_are_the_texts_short_substrings(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT kokudo_ngram_codes(%s)", [text])
        (codes,) = cursor.fetchone()
    assert sorted(codes) == sorted(ngram_code(gram) for gram in reference_ngrams(text))


def test_ngram_codes_tell_every_gram_apart():
    grams = {"a", "b", "ab", "ba", "aab", "森", "自治", "自治体", "\U0010ffff" * 3, "\x01" * 3}
    codes = {ngram_code(gram) for gram in grams}
    assert len(codes) == len(grams)
    assert max(codes) < 2**63  # fits PostgreSQL's bigint


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the n-gram index is PostgreSQL's")
def test_postgresql_uses_the_ngram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Case.objects.search("交通").explain()
    assert "case_search_ngrams_idx" in plan
