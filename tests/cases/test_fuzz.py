"""Generated query strings: never a server error, never markup echoed, and the right answer.

The query strings are sent raw, as a browser or a bot might: bad percent-escapes, overlong
UTF-8, encoded lone surrogates and NUL reach the server as they are. Each run draws new examples
(the seed is in pytest's header; `--hypothesis-seed=N` replays a run, and a failure prints
`@reproduce_failure`). Where the query is one the catalogue can answer, the answer is checked
against tests/oracles.py, not only the status code.
"""

import csv
import io
import os
from urllib.parse import parse_qsl, quote, unquote_to_bytes

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import (
    CaseType,
    Funding,
    HubType,
    Infrastructure,
    Organization,
    Prefecture,
    SourceDocument,
    Theme,
)
from kokudo.middleware import CONTROL_CHARACTERS
from tests import oracles

pytestmark = pytest.mark.django_db

FACET_PARAMS = ["type", "hub", "theme", "region", "pref", "pop", "org", "funding", "infra"]
FACET_PARAMS += ["source", "scope"]
OTHER_KEYS = ["q", "sort", "page", "format", "case"]
KNOWN_VALUES = ["commons", "local_firm", "transport-redesign", "01", "13", "lt10k", "company"]
KNOWN_VALUES += ["2025-report", "domestic", "foreign", "-population", "relevance", "2", "json"]
KNOWN_VALUES += ["csv", "meets", "sundred", "交通", "ＫＡＢＵＬＥＴ", "厚真"]
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE cases_case; --",
    "交通" * 3000,
    "９９９９９９９９９９９９９",
    "-1",
    "1e309",
    "NaN",
    "\u202e",
]
# Sent as they are, never through urlencode.
RAW_ESCAPES = [
    "%",
    "%Z",
    "%%ZZ",
    "%E3%81",  # a character cut short
    "%C0%AE",  # overlong "."
    "%C0%80",  # overlong NUL
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%F4%90%80%80",  # past U+10FFFF
    "%FF%FE",
    "%00",
    "%0D%0A",
    "+",
    "&",
    "=",
    "%26",
    "%3D",
    "%2F..%2F",
]


def encoded(text):
    return quote(text, safe="", errors="surrogatepass")


def raw_parts(escapes):
    """Text pieces, each either percent-encoded properly or one of the raw escapes."""
    texts = st.one_of(
        st.sampled_from(KNOWN_VALUES + HOSTILE),
        st.text(max_size=40),
        st.integers().map(str),
    )
    piece = st.one_of(texts.map(encoded), st.sampled_from(escapes))
    return st.lists(piece, max_size=4).map("".join)


def raw_query_strings(escapes=RAW_ESCAPES):
    keys = st.one_of(st.sampled_from(FACET_PARAMS + OTHER_KEYS).map(encoded), raw_parts(escapes))
    pair = st.tuples(keys, raw_parts(escapes)).map("=".join)
    junk = st.sampled_from(["", "&", "&&", "=", "==", "&=&"])
    return st.lists(st.one_of(pair, junk), max_size=10).map("&".join)


def valid_values():
    """Every value each facet accepts, from the base tables and the models' choices."""
    return {
        "type": list(CaseType.values),
        "hub": list(HubType.values),
        "theme": list(Theme.objects.values_list("key", flat=True)),
        "region": sorted(set(oracles.REGION_OF_CODE.values())),
        "pref": list(Prefecture.objects.values_list("code", flat=True)),
        "pop": [band for band, _, _ in oracles.POPULATION_BANDS],
        "org": list(Organization.Kind.values),
        "funding": list(Funding.Kind.values),
        "infra": list(Infrastructure.Kind.values),
        "source": list(SourceDocument.objects.values_list("key", flat=True)),
        "scope": ["domestic", "foreign"],
    }


# New examples each run in CI, 2,300 in all; a quarter of that on a developer's machine.
SCALE = 1 if os.environ.get("CI") else 0.25


def fuzz(examples):
    return settings(
        max_examples=int(examples * SCALE),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        print_blob=True,
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


@pytest.fixture
def answers():
    """The oracle's inputs, worked out once per test (every example sees the same catalogue)."""
    return oracles.table_facets(), oracles.search_corpus(), valid_values()


def expected_browse(answers, query):
    """What /cases/?query must count, decoding the query as the HTTP rules say (replacement
    characters for what is not UTF-8; the last q wins; unknown values and keys are ignored)."""
    memberships, corpus, valid = answers
    pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")
    chosen = list(
        dict.fromkeys((key, value) for key, value in pairs if value in valid.get(key, ()))
    )
    searched = [value for key, value in pairs if key == "q"]
    matching = oracles.expected_search(corpus, searched[-1]) if searched else None
    return (
        len(oracles.expected_selection(memberships, chosen, matching)),
        oracles.expected_counts(memberships, chosen, matching),
    )


# A share of the examples is made of real selections, so that the answer is often non-empty.
def selections():
    facet_pair = st.sampled_from(FACET_PARAMS).flatmap(
        lambda param: st.sampled_from([*KNOWN_VALUES, "chubu", "kanto", "municipality"]).map(
            lambda value: f"{param}={encoded(value)}"
        )
    )
    return st.lists(
        st.one_of(facet_pair, st.sampled_from(["q=%E4%BA%A4%E9%80%9A", "q=dx", "sort=title"])),
        min_size=1,
        max_size=4,
    ).map("&".join)


@fuzz(800)
@given(query=raw_query_strings())
def test_browse_html(client, query):
    assert_escaped(client.get(f"/cases/?{query}"), query)


@fuzz(500)
@given(query=st.one_of(raw_query_strings(), selections()))
def test_browse_json_counts_what_the_oracle_counts(client, answers, query):
    response = client.get(f"/cases/?{query}&format=json")
    if refused(query):
        assert response.status_code == 400, query
        return
    assert response.status_code == 200, query
    shown = oracles.read_browse(response.json())
    count, counts = expected_browse(answers, query)
    assert shown.count == count, query
    nonzero = {
        param: {value: n for value, n in options.items() if n}
        for param, options in shown.counts.items()
    }
    assert {param: options for param, options in nonzero.items() if options} == counts, query


@fuzz(300)
@given(query=raw_query_strings())
def test_browse_csv(client, answers, query):
    response = client.get(f"/cases/?{query}&format=csv")
    if refused(query):
        assert response.status_code == 400, query
        return
    assert response.status_code == 200, query
    content = response.getvalue().decode("utf-8")  # streamed, or from the cache
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert len(rows) - 1 == expected_browse(answers, query)[0], query  # a header, then cases


@fuzz(400)
@given(query=raw_query_strings(), slug=st.one_of(st.just("meets"), raw_parts(RAW_ESCAPES)))
def test_detail(client, query, slug):
    url = f"/cases/{slug}/?{query}".replace("//", "/x/")
    # The client drops what follows a "#" in the slug: only the rest is sent.
    assert_escaped(client.get(url), url.partition("#")[0])


@fuzz(300)
@given(query=raw_query_strings())
def test_compare(client, query):
    assert_escaped(client.get(f"/compare/?{query}"), query)


@fuzz(200)
@given(
    slug=st.one_of(
        st.sampled_from(["ミーツ株式会社", "jr四国"]).map(encoded),
        raw_parts(RAW_ESCAPES).filter(lambda s: s and "/" not in s),
    ),
    query=raw_query_strings(),
)
def test_organization_pages(client, slug, query):
    assert_escaped(client.get(f"/organizations/{slug}/?{query}"), f"{slug}?{query}")


@pytest.fixture
def editor_client(client):
    user = User.objects.create_user("fuzz-editor", password="pw-fuzz-editor-1", is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    client.force_login(user)
    return client


ADMIN_FILTERS = [
    "status__exact",
    "type_2025__exact",
    "themes__id__exact",
    "places__prefecture__id__exact",
    "citations__source__id__exact",
    "q",
    "o",
    "p",
    "all",
]


@fuzz(200)
@given(
    pairs=st.lists(st.tuples(st.sampled_from(ADMIN_FILTERS), raw_parts(RAW_ESCAPES)), max_size=4)
)
def test_admin_changelist_parameters(editor_client, pairs):
    query = "&".join(f"{key}={value}" for key, value in pairs)
    response = editor_client.get(f"/admin/cases/case/?{query}")
    if refused(query):
        assert response.status_code == 400, query
        return
    # The admin answers a filter it cannot apply by redirecting with ?e=1.
    assert response.status_code in (200, 302), (response.status_code, query)
    if response.status_code == 200:
        assert_escaped(response, query)


# NUL reached PostgreSQL, which refuses it in a text parameter (a 500); kokudo.middleware now
# answers any URL holding a control character with 400 before a view runs.
def test_nul_in_an_organization_slug_is_refused(client):
    assert client.get("/organizations/%00/").status_code == 400


def test_nul_in_an_admin_filter_is_refused(editor_client):
    assert editor_client.get("/admin/cases/case/?status__exact=%00").status_code == 400
