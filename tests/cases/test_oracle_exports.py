"""The CSV export and the sorts, checked column by column and position by position."""

import csv
import io

import pytest

from cases.models import CaseType, HubType, Region, SourceDocument, Theme
from tests import oracles

pytestmark = pytest.mark.django_db

# The export's queries: the catalogue version, the listed page's cases (3: the list view pages
# them even for CSV, which needs no page) and the export's own batch of up to 500 cases (5).
CSV_QUERIES = 9
FILTERED = [("org", "municipality"), ("org", "company"), ("scope", "domestic")]


def read_csv(response):
    """The export's rows as dicts by column name; the BOM is part of the contract (Excel)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.getvalue().decode("utf-8")  # streamed, or from the cache
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


def citation_line(row, sources):
    """row: a citation of the case's file; its section's heading and page from sources.yaml."""
    source = sources[row["source"]]
    date = source.published_label or f"{source.year}年"
    # A 2018 sheet's own 出典 line closes its citation.
    origin = f"（出典：{row['origin_as_printed']}）" if row.get("origin_as_printed") else ""
    section = oracles.yaml_section_display(row)
    return f"{source.issuer}「{source.title}」（{date}）{section}{origin}"


def expected_row(client, item):
    """A CSV row as the browse JSON item and the case's own JSON record say it must read."""
    record = client.get(f"/cases/{item['slug']}/", {"format": "json"}).json()
    case_type, hub = record["type"], record["hub_type"]  # "" when the case has none
    theme_keys = [theme["key"] for theme in record["themes"]]
    themes = Theme.objects.filter(key__in=theme_keys).order_by("position", "key")
    sources = SourceDocument.objects.in_bulk(field_name="key")
    prefectures = list(
        dict.fromkeys(place["prefecture"] for place in record["places"] if place["prefecture"])
    )
    regions = [oracles.REGION_OF_CODE[oracles.PREFECTURES[name][0]] for name in prefectures]
    return {
        "スラッグ": record["slug"],
        "事例名": item["title"],
        "URL": item["url"],
        "類型（2025年）": CaseType(case_type).label if case_type else "",
        "拠点の類型（2019年）": (HubType(hub).label if hub else ""),
        # The short label, the one every page shows (Theme.label).
        "テーマ": "、".join(theme.label for theme in themes),
        "場所": "、".join(item["places"]),
        "都道府県": "、".join(prefectures),
        "地方": "、".join(dict.fromkeys(str(Region(region).label) for region in regions)),
        "要約": item["summary"],
        "出典": " / ".join(
            citation_line(row, sources)
            for row in oracles.yaml_cases()[record["slug"]].get("citations", [])
        ),
    }


def test_csv_rows_equal_the_json_of_the_same_selection(client, django_assert_max_num_queries):
    first, slugs = oracles.browse_all(client, FILTERED)
    assert 20 < first.count < len(oracles.published_yaml_cases())  # more than a page, not all
    with django_assert_max_num_queries(CSV_QUERIES):
        rows = read_csv(client.get(oracles.BROWSE, [*FILTERED, ("format", "csv")]))
    assert [row["スラッグ"] for row in rows] == slugs  # the list's order
    items = {}
    for page in range(1, first.num_pages + 1):
        items |= {item["slug"]: item for item in oracles.browse(client, FILTERED, page).results}
    for row in rows:
        # Each stated population, as printed, with its place; never one number for several.
        stated = row.pop("人口（資料の記載）")
        record = oracles.yaml_cases()[row["スラッグ"]]
        for figure in record.get("figures") or []:
            if figure["kind"] == "population":
                assert f"{figure['place']}：{figure['as_printed']}" in stated, row["スラッグ"]
        assert row == expected_row(client, items[row["スラッグ"]]), row["スラッグ"]


def test_csv_query_count_does_not_grow_with_the_cases(client, django_assert_max_num_queries):
    """One case or all of them: the same few queries."""
    oracles.browse(client)  # the process's facet index is built once, not per export
    with django_assert_max_num_queries(CSV_QUERIES + 1):  # + reading the searched texts once
        assert len(read_csv(client.get(oracles.BROWSE, {"q": "厚真", "format": "csv"}))) == 1
    with django_assert_max_num_queries(CSV_QUERIES):
        rows = read_csv(client.get(oracles.BROWSE, {"format": "csv"}))
    assert len(rows) == len(oracles.published_yaml_cases())


def by_title(slugs):
    cases = oracles.yaml_cases()
    return sorted(slugs, key=lambda slug: cases[slug]["title"])


def by_reading(slugs):
    """README `sort=title`: 五十音 by the files' title_kana, cases without one last, by title."""
    cases = oracles.yaml_cases()
    return sorted(
        slugs,
        key=lambda slug: oracles.reading_order_key(
            cases[slug].get("title_kana") or "", cases[slug]["title"]
        ),
    )


def by_prefecture(slugs):
    """README `sort=prefecture`: north to south by the lowest JIS code of the places, then by
    reading; cases with no prefecture (nationwide, abroad) last."""
    cases = oracles.yaml_cases()
    codes = {slug: oracles.yaml_prefecture_code(cases[slug]) for slug in slugs}
    ordered = by_reading(slugs)
    return sorted((s for s in ordered if codes[s]), key=lambda s: codes[s]) + [
        s for s in ordered if not codes[s]
    ]


def expected_order(sort, slugs):
    """The README's sorts, worked out from the files: ties and unknowns by title, cases with
    no stated population last in both directions."""
    cases = oracles.yaml_cases()
    titled = by_title(slugs)
    if sort == "title":
        return by_reading(slugs)
    if sort == "prefecture":
        return by_prefecture(slugs)
    if sort in ("population", "-population"):
        sign = -1 if sort.startswith("-") else 1
        known = [s for s in titled if oracles.yaml_population(cases[s]) is not None]
        unknown = [s for s in titled if oracles.yaml_population(cases[s]) is None]
        return sorted(known, key=lambda s: sign * oracles.yaml_population(cases[s])) + unknown
    if sort == "-latest_source":
        return sorted(titled, key=lambda s: -(oracles.yaml_latest_source_year(cases[s]) or 0))
    raise ValueError(sort)


def test_titles_are_unique_so_the_orders_are_total():
    titles = [record["title"] for record in oracles.published_yaml_cases().values()]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize(
    "sort", ["title", "prefecture", "population", "-population", "-latest_source"]
)
@pytest.mark.parametrize("selection", [[], FILTERED], ids=["all", "filtered"])
def test_sorts_give_the_full_order(client, sort, selection):
    _, slugs = oracles.browse_all(client, [*selection, ("sort", sort)])
    assert slugs == expected_order(sort, slugs)
    if sort == "population" and not selection:
        cases = oracles.yaml_cases()
        # The order is a real test: both known and unknown populations are present.
        assert oracles.yaml_population(cases[slugs[0]]) is not None
        assert oracles.yaml_population(cases[slugs[-1]]) is None
    if sort == "prefecture" and not selection:
        cases = oracles.yaml_cases()
        # 北海道 first; the cases with no prefecture are there, and last.
        assert oracles.yaml_prefecture_code(cases[slugs[0]]) == "01"
        assert oracles.yaml_prefecture_code(cases[slugs[-1]]) is None
    if sort == "title":
        # Not character-code order: co-ba (Latin) and 長野県伊那市 (kanji) read こば, ながの….
        assert slugs != by_title(slugs)


def test_the_default_order_is_the_title_sort_and_feeds_and_csv_follow_it(client):
    _, default = oracles.browse_all(client)
    _, titled = oracles.browse_all(client, [("sort", "title")])
    assert default == titled == by_reading(titled)
    rows = read_csv(client.get(oracles.BROWSE, {"format": "csv", "sort": "prefecture"}))
    _, by_pref = oracles.browse_all(client, [("sort", "prefecture")])
    titles = {slug: record["title"] for slug, record in oracles.yaml_cases().items()}
    assert [row["事例名"] for row in rows] == [titles[slug] for slug in by_pref]


def test_cases_without_a_reading_follow_those_with_one_by_title(client):
    from cases.models import Case, CatalogueVersion

    cases = oracles.published_yaml_cases()
    # Two cases lose their reading: they go last, between themselves by title.
    unread = sorted(cases, key=lambda slug: cases[slug]["title"])[:2]
    Case.objects.filter(slug__in=unread).update(title_kana="")
    CatalogueVersion.bump()
    _, slugs = oracles.browse_all(client, [("sort", "title")])
    assert slugs[-2:] == by_title(unread)
    read = [slug for slug in cases if slug not in unread]
    assert slugs[:-2] == by_reading(read)


def test_relevance_puts_title_matches_first_then_by_title(client):
    _, slugs = oracles.browse_all(client, [("q", "交通 地域")])
    cases = oracles.yaml_cases()
    in_title = [s for s in slugs if "交通" in oracles.fold(cases[s]["title"])]
    elsewhere = [s for s in slugs if s not in in_title]
    assert in_title
    assert elsewhere
    assert slugs == by_reading(in_title) + by_reading(elsewhere)
