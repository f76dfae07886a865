"""Generated query strings never cause a server error or echo markup unescaped."""

import os
from urllib.parse import unquote_to_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.facets import FACETS
from kokudo.middleware import CONTROL_CHARACTERS

pytestmark = pytest.mark.django_db

KNOWN_KEYS = [facet.param for facet in FACETS] + ["q", "sort", "page", "format", "case"]
KNOWN_VALUES = [
    "commons",
    "local_firm",
    "transport-redesign",
    "01",
    "13",
    "lt10k",
    "company",
    "2025-report",
    "domestic",
    "foreign",
    "-population",
    "relevance",
    "2",
    "json",
    "meets",
    "sundred",
]
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\x00",
    "\u202e",
    "%",
    "%%ZZ",
    "'; DROP TABLE cases_case; --",
    "交通" * 3000,
    "９９９９９９９９９９９９９",
    "-1",
    "1e309",
    "NaN",
    "\ud7ff",
    "ＫＡＢＵＬＥＴ",
]

keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=20))
values = st.one_of(
    st.sampled_from(KNOWN_VALUES),
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.integers().map(str),
)
query_strings = st.lists(st.tuples(keys, values), max_size=12).map(
    lambda pairs: urlencode(pairs, encoding="utf-8", errors="surrogatepass")
)


# 2,300 examples in all in CI; a quarter of that on a developer's machine.
SCALE = 1 if os.environ.get("CI") else 0.25


def fuzz(examples):
    # Derandomized, so every run tries the same examples.
    return settings(
        max_examples=int(examples * SCALE),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )


def refused(url):
    """URLs holding control characters are answered 400 before any view (kokudo.middleware)."""
    return bool(CONTROL_CHARACTERS.search(unquote_to_bytes(url.replace("+", " "))))


def assert_escaped(response, query):
    expected = (400,) if refused(query) else (200, 404)
    assert response.status_code in expected, (response.status_code, query)
    if response["Content-Type"].startswith("text/html"):
        body = response.content.decode()
        for marker in ("<script>alert", "<img src=x"):
            assert marker not in body, query


@fuzz(800)
@given(query=query_strings)
def test_browse_html(client, query):
    assert_escaped(client.get(f"/cases/?{query}"), query)


@fuzz(500)
@given(query=query_strings)
def test_browse_json(client, query):
    response = client.get(f"/cases/?{query}&format=json")
    if refused(query):
        assert response.status_code == 400, query
        return
    assert response.status_code == 200, query
    assert response.json()["count"] >= 0


@fuzz(300)
@given(query=query_strings)
def test_browse_csv(client, query):
    response = client.get(f"/cases/?{query}&format=csv")
    if refused(query):
        assert response.status_code == 400, query
        return
    assert response.status_code == 200, query
    assert response.getvalue().startswith("\ufeff".encode())


@fuzz(400)
@given(query=query_strings, slug=st.one_of(st.just("meets"), st.text(max_size=40)))
def test_detail(client, query, slug):
    url = f"/cases/{slug}/?{query}".replace("//", "/x/")
    # The client drops what follows a "#" in the slug: only the rest is sent.
    assert_escaped(client.get(url), url.partition("#")[0])


@fuzz(300)
@given(query=query_strings)
def test_compare(client, query):
    assert_escaped(client.get(f"/compare/?{query}"), query)
