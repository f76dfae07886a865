"""cases.overview and /cases/overview/: counts equal the browse page's; CSV and JSON, the page."""

import csv
import io
import json
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict
from django.urls import reverse

from cases.browse import BrowseQuery
from cases.facets import FACETS, FACETS_BY_PARAM
from cases.facets.index import current_index
from cases.geo import great_circle_km
from cases.models import Case, Municipality
from cases.overview import FIGURE_SORTS, OverviewQuery
from cases.overview import figure_record as original_record
from tests.cases import sql_reference
from tests.cases.test_geo import brute_force_case_points

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("cases:case_overview")
BROWSE = reverse("cases:case_list")
SELECTIONS = [
    "",
    "theme=transport-redesign",
    "theme=transport-redesign&org=municipality",
    "type=commons&type=local_firm&region=kanto",
    "q=交通",
    "q=交通&theme=transport-redesign&source=2022-slides",
    "in_several_sources=1",
    "started=2010s&pop=10k-50k",
]


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return json.loads(response.content)


def browse_count(client, query_string):
    return get_json(client, f"{BROWSE}?{query_string}&format=json")["count"]


@pytest.mark.parametrize("query_string", SELECTIONS)
def test_every_chart_count_equals_the_browse_facet_count(client, query_string):
    overview = get_json(client, f"{OVERVIEW}?{query_string}&format=json")
    browse = get_json(client, f"{BROWSE}?{query_string}&format=json")
    assert overview["count"] == browse["count"]
    charts = {chart["param"]: chart["options"] for chart in overview["charts"]}
    assert set(charts) == {facet.param for facet in FACETS}
    # A facet with thousands of options charts only what the browse page shows of it: its
    # largest (count descending, ties in the JSON's order) and its chosen options.
    shown = {}
    for param, listed in browse["facets"].items():
        top = FACETS_BY_PARAM[param].top_options
        if top:
            ranked = sorted(listed, key=lambda option: -option["count"])
            listed = [o for o in ranked if o in ranked[:top] or o["selected"]]
        shown[param] = listed
    assert charts == shown
    # And both equal the SQL oracle, counted independently of the index.
    parsed = BrowseQuery.parse(QueryDict(query_string), current_index().labels)
    expected = sql_reference.facet_counts(sql_reference.searched(parsed), parsed.selected)
    for param, options in charts.items():
        for option in options:
            assert option["count"] == expected.get(param, option["value"]), (param, option)


@pytest.mark.parametrize("km", [50, 100])
@pytest.mark.parametrize("facets", ["", "theme=transport-redesign"])
def test_the_distance_filter_narrows_the_overview_as_it_does_the_list(client, km, facets):
    query_string = "&".join(part for part in (facets, f"near=202096&km={km}") if part)
    overview = get_json(client, f"{OVERVIEW}?{query_string}&format=json")
    assert overview["selection"]["near"] == {"lg_code": "202096", "km": km}
    # The oracle: distances from the base tables, facets in SQL.
    ina = Municipality.objects.get(lg_code="202096")
    near = [
        case_id
        for case_id, points in brute_force_case_points().items()
        if any(great_circle_km(ina.latitude, ina.longitude, *point) <= km for point in points)
    ]
    parsed = BrowseQuery.parse(QueryDict(facets), current_index().labels)
    base = sql_reference.searched(parsed).filter(pk__in=near)
    expected = sql_reference.facet_counts(base, parsed.selected)
    count = sql_reference.filter_by_facets(base, parsed.selected).count()
    assert 0 < count < Case.objects.published().count()
    assert overview["count"] == count == browse_count(client, query_string)
    for chart in overview["charts"]:
        for option in chart["options"]:
            assert option["count"] == expected.get(chart["param"], option["value"]), option
    body = client.get(f"{OVERVIEW}?{query_string}").content.decode()
    assert f"長野県伊那市から{km}km以内" in body


def test_a_bar_adds_its_value_and_a_chosen_bar_takes_it_away(client):
    response = client.get(f"{OVERVIEW}?theme=transport-redesign")
    charts = {chart["param"]: chart for chart in response.context["charts"]}
    region = charts["region"]["options"][0]
    added = parse_qs(region["query"])
    assert added["region"] == [region["value"]]
    assert added["theme"] == ["transport-redesign"]
    assert browse_count(client, region["query"]) == region["count"]
    chosen = next(o for o in charts["theme"]["options"] if o["value"] == "transport-redesign")
    assert chosen["selected"]
    assert "theme" not in parse_qs(chosen["query"])
    assert f'href="?{region["query"]}"'.replace("&", "&amp;") in response.content.decode()


@pytest.mark.parametrize(
    ("query_string", "rows", "columns"),
    [
        ("", "theme", "region"),
        ("q=交通", "type", "funding"),
        ("theme=transport-redesign&org=municipality", "theme", "org"),
        ("region=chubu&source=2025-report", "pref", "infra"),
    ],
)
def test_a_cell_counts_the_browse_selection_of_its_two_values(client, query_string, rows, columns):
    document = get_json(client, f"{OVERVIEW}?{query_string}&row1={rows}&col1={columns}&format=json")
    table = document["crosstabs"][0]
    assert (table["rows"]["param"], table["columns"]["param"]) == (rows, columns)
    assert table["row_options"]
    assert table["column_options"]
    selection = QueryDict(query_string, mutable=True)
    checked = 0
    for row, line in zip(table["row_options"], table["counts"], strict=True):
        for column, count in zip(table["column_options"], line, strict=True):
            selection.setlist(rows, [row["value"]])
            selection.setlist(columns, [column["value"]])
            assert browse_count(client, selection.urlencode()) == count, (row, column)
            checked += 1
    assert checked > 1
    # Every row and column holds some case.
    assert all(any(line) for line in table["counts"])
    assert all(any(column) for column in zip(*table["counts"], strict=True))


def test_a_cell_links_to_its_selection(client):
    response = client.get(f"{OVERVIEW}?row1=type&col1=region")
    table = response.context["crosstabs"][0]
    cell = next(c for row in table["table"] for c in row["cells"] if c["count"])
    assert browse_count(client, cell["query"]) == cell["count"]


def test_the_csv_of_each_chart_matches_the_page(client):
    query_string = "theme=transport-redesign"
    page = client.get(f"{OVERVIEW}?{query_string}")
    for chart in page.context["charts"]:
        if not chart["options"]:
            continue
        response = client.get(f"{OVERVIEW}?{query_string}&format=csv&chart={chart['param']}")
        body = response.content.decode("utf-8")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert body.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert rows[0] == ["項目", "値", "名称", "事例数", "選択中"]
        assert [(row[1], row[2], int(row[3])) for row in rows[1:]] == [
            (option["value"], option["label"], option["count"]) for option in chart["options"]
        ]
    table = page.context["crosstabs"][0]
    body = client.get(f"{OVERVIEW}?{query_string}&format=csv&chart=crosstab1").content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][1:] == [column["label"] for column in table["column_options"]]
    assert [[row[0], *map(int, row[1:])] for row in rows[1:]] == [
        [row["label"], *(cell["count"] for cell in row["cells"])] for row in table["table"]
    ]


def test_csv_cells_cannot_be_formulas(client, monkeypatch):
    from cases import overview

    monkeypatch.setattr(
        overview,
        "figure_record",
        lambda figure: {**original_record(figure), "label": "=HYPERLINK(1)"},
    )
    body = client.get(f"{OVERVIEW}?figures=population&format=csv&chart=figures").content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) > 1
    assert all(row[2] == "'=HYPERLINK(1)" for row in rows[1:])


def test_the_json_matches_the_page(client):
    query_string = "q=交通&row2=pref&col2=theme&figures=population"
    page = client.get(f"{OVERVIEW}?{query_string}")
    document = get_json(client, f"{OVERVIEW}?{query_string}&format=json")
    html = page.content.decode()
    assert f"<strong>{document['count']}件</strong>" in html
    for chart, shown in zip(document["charts"], page.context["charts"], strict=True):
        assert [(o["value"], o["count"]) for o in chart["options"]] == [
            (o["value"], o["count"]) for o in shown["options"]
        ]
    assert document["crosstabs"][1]["rows"]["param"] == "pref"
    assert document["figures"]["kind"] == "population"
    assert [row["as_printed"] for row in document["figures"]["rows"]] == [
        figure.as_printed for figure in page.context["figures"]["rows"]
    ]
    assert document["selection"] == {"q": "交通", "facets": {}, "near": None}


def test_figures_of_one_kind_are_listed_as_printed_never_summed(client):
    response = client.get(f"{OVERVIEW}?theme=transport-redesign&figures=population")
    html = response.content.decode()
    assert "合計も平均もしていません" in html
    rows = response.context["figures"]["rows"]
    assert rows
    assert all(figure.kind == "population" for figure in rows)
    # Sorted by people, largest first; every row keeps its text as printed and its date.
    people = [figure.people for figure in rows if figure.people is not None]
    assert people == sorted(people, reverse=True)
    assert all(figure.as_printed in html for figure in rows)
    ascending = client.get(f"{OVERVIEW}?theme=transport-redesign&figures=population&fsort=value")
    people = [f.people for f in ascending.context["figures"]["rows"] if f.people is not None]
    assert people == sorted(people)
    assert 'aria-sort="ascending"' in ascending.content.decode()


def test_unknown_overview_parameters_get_a_notice_not_an_error(client):
    response = client.get(f"{OVERVIEW}?row1=nope&col1=region&figures=sales&chart=zzz")
    assert response.status_code == 200
    notices = " ".join(response.context["notices"])
    assert "nope" in notices
    assert "sales" in notices
    assert "zzz" in notices
    assert response.context["crosstabs"][0]["rows"]["param"] == "theme"
    same = client.get(f"{OVERVIEW}?row1=region&col1=region")
    assert same.context["crosstabs"][0]["rows"]["param"] == "theme"
    assert client.get(f"{OVERVIEW}?format=csv").status_code == 200


def test_overview_query_keeps_only_what_differs_from_the_defaults():
    query = OverviewQuery.parse(QueryDict("row2=pref&col2=theme&figures=area&fsort=date"))
    assert query.params() == [
        ("row2", "pref"),
        ("col2", "theme"),
        ("figures", "area"),
        ("fsort", "date"),
    ]
    assert OverviewQuery.parse(QueryDict("")).params() == []
    assert set(FIGURE_SORTS) >= {"-value", "value", "-date", "date", "case"}


def test_the_list_and_the_overview_link_to_each_other_keeping_the_selection(client):
    html = client.get(f"{BROWSE}?theme=transport-redesign&q=交通").content.decode()
    assert f'href="{OVERVIEW}?theme=transport-redesign&amp;q=%E4%BA%A4%E9%80%9A"' in html
    html = client.get(f"{OVERVIEW}?theme=transport-redesign&q=交通").content.decode()
    assert f'href="{BROWSE}?theme=transport-redesign&amp;q=%E4%BA%A4%E9%80%9A"' in html


def test_several_sources_facet_lists_the_cases_two_documents_describe(client):
    document = get_json(client, f"{BROWSE}?in_several_sources=1&format=json")
    slugs = {result["slug"] for result in document["results"]}
    assert {"ina-city", "asahi-town-toyama", "local-energy", "tohoku-taberu-tsushin"} <= slugs
    assert {"shimanto-drama"} <= slugs
    assert "meets" not in slugs
