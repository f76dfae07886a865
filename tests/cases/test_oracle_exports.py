"""The CSV export and the sorts, checked column by column and position by position."""

import csv
import functools
import io

import pytest
import yaml
from django.db import connection

from cases.models import Case, CaseType, HubType, Region, SourceDocument, Theme
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
        # Each stated population as printed, with its place and date, in the file's order.
        stated = row.pop("人口（資料の記載）")
        record = oracles.yaml_cases()[row["スラッグ"]]
        populations = [
            (f"{figure['place']}：" if figure.get("place") else "")
            + f"{figure['as_printed']}（{figure_date(figure)}）"
            for figure in record.get("figures") or []
            if figure["kind"] == "population"
        ]
        assert stated == "／".join(populations), row["スラッグ"]
        assert row == expected_row(client, items[row["スラッグ"]]), row["スラッグ"]
    # Some case states several populations (their separator is checked).
    assert any(
        "／" in row["人口（資料の記載）"]
        for row in read_csv(client.get(oracles.BROWSE, [*FILTERED, ("format", "csv")]))
    )


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


# The case JSON, field by field, against the fixture files --------------------------------------


@functools.cache
def reference_file(name):
    return yaml.safe_load((oracles.FIXTURES / name).read_text(encoding="utf-8"))


def label(model, field, value):
    """The display label of a choice, from the model's own choices; "" for no value."""
    if value in ("", None):
        return ""
    return str(dict(model._meta.get_field(field).choices)[value])


def row_model(relation):
    return Case._meta.get_field(relation).related_model


def section_fields(row):
    """(section as rows have always named it, its heading, its page) from sources.yaml: the
    number or heading the row names, then its note (4.(1)③(i) 参考事例①)."""
    key = str(row["section"])
    section = oracles.yaml_sections()[(row["source"], key)]
    text = " ".join(part for part in (key, row.get("section_note")) if part)
    return text, section["heading"], str(section.get("page") or "")


def sourced(row, fields):
    """A row of the case JSON: the given fields, then where the fact is printed."""
    section, heading, page = section_fields(row)
    return {
        **fields,
        "source": row["source"],
        "section": section,
        "section_heading": heading,
        "section_page": page,
    }


def in_stored_order(rows, key):
    """Rows as their model's ordering returns them; the file's order breaks ties. key may give
    None, which the database places first (SQLite) or last (PostgreSQL) in ascending order."""
    nulls_last = connection.vendor == "postgresql"

    def comparable(pair):
        at, row = pair
        values = [((value is None) == nulls_last, value or 0) for value in key(row)]
        return values, at

    return [row for _at, row in sorted(enumerate(rows), key=comparable)]


def expected_case_document(record, cases):
    """The case JSON as the README lists its fields, from the case's file and the reference
    files (themes, organisations, sources, 共通項) alone."""
    slug = record["slug"]
    themes = {theme["key"]: (at, theme) for at, theme in enumerate(reference_file("themes.yaml"))}
    organizations = {row["name"]: row for row in reference_file("organizations.yaml")}
    sources = {row["key"]: row for row in reference_file("sources.yaml")}
    factors = [
        {"number": factor["number"], "name": factor["name"]}
        for factor in sorted(reference_file("common_factors.yaml"), key=lambda f: f["number"])
        if slug in (factor.get("cases") or [])
    ]
    published = {s for s, r in cases.items() if r.get("status") == "published"}
    related = set(record.get("related") or []) | {
        other for other, r in cases.items() if slug in (r.get("related") or [])
    }
    code_to_prefecture = {code: name for name, (code, _) in oracles.PREFECTURES.items()}
    kind = record.get("kind") or "case"

    def citation_line(row):
        source = sources[row["source"]]
        date = source.get("published_label") or f"{source['year']}年"
        origin = f"（出典：{row['origin_as_printed']}）" if row.get("origin_as_printed") else ""
        section = oracles.yaml_section_display(row)
        return f"{source['issuer']}「{source['title']}」（{date}）{section}{origin}"

    def place(row):
        code = str(row["lg_code"]) if row.get("lg_code") else None
        prefecture = row.get("prefecture") or (code_to_prefecture[code[:2]] if code else None)
        return {"kind": row["kind"], "name": row["name"], "lg_code": code, "prefecture": prefecture}

    return {
        "schema_version": 2,  # README: "now `2`"
        "slug": slug,
        "title": record["title"],
        "url": f"http://testserver/cases/{slug}/",
        "type": record.get("type_2025", ""),
        "type_label": label(Case, "type_2025", record.get("type_2025")),
        "hub_type": record.get("hub_type_2019", ""),
        "hub_type_label": label(Case, "hub_type_2019", record.get("hub_type_2019")),
        "kind": kind,
        "kind_label": label(Case, "kind", kind),
        "reference_of": record.get("reference_of")
        if record.get("reference_of") in published
        else None,
        "reference_label": record.get("reference_label", ""),
        "common_factors": factors,
        "start_year": record.get("start_year"),
        "summary": record.get("summary", ""),
        "description": record.get("description", ""),
        "approach": record.get("approach", ""),
        "editor_note": record.get("editor_note", ""),
        "themes": [
            {"key": key, "label": theme.get("short_name") or theme["name"], "name": theme["name"]}
            for key, (_at, theme) in sorted(
                ((key, themes[key]) for key in record.get("themes") or []),
                key=lambda pair: (pair[1][0], pair[0]),
            )
        ],
        "related": sorted(related & published),
        "places": [place(row) for row in record.get("places") or []],
        "challenges": [
            sourced(row, {"text": row["text"]}) for row in record.get("challenges") or []
        ],
        "points": [
            sourced(
                row,
                {
                    "point": row["point"],
                    "point_label": label(row_model("points"), "point", row["point"]),
                    "text": row["text"],
                },
            )
            for row in in_stored_order(record.get("points") or [], lambda row: (row["point"],))
        ],
        "citations": [
            sourced(
                row,
                {
                    "page": str(row.get("page", "")),
                    "note": row.get("note", ""),
                    "origin_as_printed": row.get("origin_as_printed", ""),
                    "citation_line": citation_line(row),
                },
            )
            for row in record.get("citations") or []
        ],
        "actors": [
            sourced(
                row,
                {
                    "organization": row["organization"],
                    "organization_kind": organizations[row["organization"]]["kind"],
                    "role": row["role"],
                    "role_label": label(row_model("actors"), "role", row["role"]),
                    "note": row.get("note", ""),
                },
            )
            for row in record.get("actors") or []
        ],
        "funding": [
            sourced(
                row,
                {
                    "kind": row["kind"],
                    "kind_label": label(row_model("funding"), "kind", row["kind"]),
                    "provider": row.get("provider"),
                    "amount_yen": row.get("amount_yen"),
                    "amount_as_printed": row.get("amount_as_printed", ""),
                    "year": row.get("year"),
                    "month": row.get("month"),
                    "date_as_printed": row.get("date_as_printed", ""),
                    "note": row.get("note", ""),
                },
            )
            for row in record.get("funding") or []
        ],
        "infrastructure": [
            sourced(
                row,
                {
                    "kind": row["kind"],
                    "kind_label": label(row_model("infrastructure"), "kind", row["kind"]),
                    "name": row["name"],
                    "description": row.get("description", ""),
                },
            )
            for row in record.get("infrastructure") or []
        ],
        "figures": [
            sourced(
                row,
                {
                    "kind": row["kind"],
                    "place": row.get("place"),
                    "label": row["label"],
                    "qualifier": row.get("qualifier", ""),
                    "value": str(row["value"]) if row.get("value") not in (None, "") else None,
                    "text_only": row.get("text_only", False),
                    "unit": row.get("unit", ""),
                    "as_printed": row["as_printed"],
                    "as_of_label": row.get("as_of_label", ""),
                    "as_of_year": row.get("as_of_year"),
                    "as_of_month": row.get("as_of_month"),
                    "undated": row.get("undated", False),
                },
            )
            for row in record.get("figures") or []
        ],
        "milestones": [
            sourced(
                row,
                {
                    "year": row.get("year"),
                    "month": row.get("month"),
                    "date_as_printed": row.get("date_as_printed", ""),
                    "label": row["label"],
                },
            )
            for row in in_stored_order(
                record.get("milestones") or [], lambda row: (row.get("year"), row.get("month"))
            )
        ],
    }


def test_case_json_says_what_the_case_file_says(client):
    """Every published case's JSON, every field of every row, as the fixture files give it."""
    cases = oracles.yaml_cases()
    for slug, record in oracles.published_yaml_cases().items():
        data = client.get(f"/cases/{slug}/", {"format": "json"}).json()
        expected = expected_case_document(record, cases)
        differences = {
            key: (data.get(key), expected.get(key))
            for key in data.keys() | expected.keys()
            if data.get(key) != expected.get(key)
        }
        assert differences == {}, slug  # field: (the JSON's, the file's)


def figure_date(row):
    """A figure's date as a reader is told it (README: 時点（資料の表記）)."""
    if row.get("undated"):
        return "時点の記載なし"
    if row.get("as_of_label"):
        return row["as_of_label"]
    if row.get("as_of_year"):
        month = f"{row['as_of_month']}月" if row.get("as_of_month") else ""
        return f"{row['as_of_year']}年{month}"
    return ""


def test_figures_csv_rows_equal_the_files(admin_client):
    """Every key figure of every published case, column by column, as its file gives it."""
    code_to_prefecture = {code: name for name, (code, _) in oracles.PREFECTURES.items()}
    sources = {row["key"]: row for row in reference_file("sources.yaml")}
    kinds = dict(row_model("figures")._meta.get_field("kind").choices)
    response = admin_client.get(oracles.BROWSE, {"format": "figures.csv"})
    rows = read_csv(response)
    cases = oracles.published_yaml_cases()
    listed = list(dict.fromkeys(row["スラッグ"] for row in rows))
    assert listed == by_reading(listed)  # the list's order: 事例名 (五十音)
    expected = []
    for slug in listed:
        record = cases[slug]
        places = {place["name"]: place for place in record.get("places") or []}
        for figure in record.get("figures") or []:
            place = places.get(figure.get("place"), {})
            code = str(place.get("lg_code") or "")
            expected.append(
                {
                    "スラッグ": slug,
                    "事例名": record["title"],
                    "場所": figure.get("place") or "",
                    "都道府県": place.get("prefecture") or code_to_prefecture.get(code[:2], ""),
                    "項目": figure["label"],
                    "種別": str(kinds[figure["kind"]]),
                    "資料の表記": figure["as_printed"],
                    "時点（資料の表記）": figure_date(figure),
                    "出典": sources[figure["source"]]["title"],
                    **dict(
                        zip(
                            ("箇所", "箇所の見出し", "箇所の頁"),
                            section_fields(figure),
                            strict=True,
                        )
                    ),
                }
            )
    assert rows == expected
    # Every published case with figures is in the file, and some figure has no place.
    assert {row["スラッグ"] for row in rows} == {s for s, r in cases.items() if r.get("figures")}
    assert any(not row["場所"] for row in rows)
    assert any(row["都道府県"] for row in rows)
