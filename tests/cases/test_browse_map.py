"""The browse page's map view, its GeoJSON and the `near` filter (issue 14, phase 2)."""

import json

import pytest
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from cases import geo
from cases.models import Case, Municipality, Place

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")


def town(name, prefecture):
    return Municipality.objects.get(name=name, prefecture__name=prefecture)


def published_points():
    """{case id: [(lat, lon, lg_code)]} from the ORM: the oracle for the in-memory tables."""
    points = {}
    for case_id, lat, lon, code in Place.objects.filter(
        case__status=Case.Status.PUBLISHED,
        municipality__isnull=False,
        municipality__latitude__isnull=False,
    ).values_list(
        "case_id", "municipality__latitude", "municipality__longitude", "municipality__lg_code"
    ):
        points.setdefault(case_id, []).append((lat, lon, code))
    return points


def brute_force_near(origin, km):
    return {
        case_id
        for case_id, points in published_points().items()
        if any(
            geo.great_circle_km(origin.latitude, origin.longitude, lat, lon) <= km
            for lat, lon, _code in points
        )
    }


def browse_json(client, params):
    response = client.get(BROWSE, [*params, ("format", "json")])
    assert response.status_code == 200
    return json.loads(response.content)


def facet_count(document, param, value):
    return next((o["count"] for o in document["facets"][param] if o["value"] == value), 0)


@pytest.mark.parametrize(
    ("name", "prefecture", "km"),
    [("伊那市", "長野県", 10), ("伊那市", "長野県", 50), ("千代田区", "東京都", 30),
     ("那覇市", "沖縄県", 300), ("那須塩原市", "栃木県", 100)],
)  # fmt: skip
def test_near_count_and_every_facet_count_equal_brute_force(client, name, prefecture, km):
    origin = town(name, prefecture)
    expected = brute_force_near(origin, km)
    document = browse_json(client, [("near", origin.lg_code), ("km", km)])
    assert document["notices"] == []
    assert document["count"] == len(expected)
    # The distance narrows what every facet counts, as the search does.
    cases = Case.objects.filter(pk__in=expected)
    for region in ("chubu", "kanto", "kyushu_okinawa"):
        # A place names its municipality, or only its prefecture.
        in_region = Q(places__municipality__prefecture__region=region) | Q(
            places__prefecture__region=region
        )
        assert facet_count(document, "region", region) == (
            cases.filter(in_region).distinct().count()
        )


def test_near_with_a_facet_equals_brute_force(client):
    origin = town("伊那市", "長野県")
    near = brute_force_near(origin, 100)
    document = browse_json(client, [("near", origin.lg_code), ("km", 100), ("scope", "domestic")])
    assert document["count"] == len(near)  # every case near a municipality is domestic
    listed = browse_json(client, [("near", origin.lg_code), ("km", 100)])
    slugs = {c["slug"] for c in listed["results"]}
    assert slugs <= set(Case.objects.filter(pk__in=near).values_list("slug", flat=True))


def test_near_accepts_a_name_and_a_prefecture_with_a_name(client):
    origin = town("伊那市", "長野県")
    by_code = browse_json(client, [("near", origin.lg_code), ("km", 50)])
    for text in ("伊那市", "長野県伊那市", " 長野県 伊那市 "):
        by_name = browse_json(client, [("near", text), ("km", 50)])
        assert by_name["notices"] == []
        assert by_name["count"] == by_code["count"]


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ([("near", "000000"), ("km", "30")], "が見つからない"),
        ([("near", "存在しない町"), ("km", "30")], "が見つからない"),
        ([("near", "府中市"), ("km", "30")], "複数ある"),
        ([("near", "202096"), ("km", "5")], "10〜300km"),
        ([("near", "202096"), ("km", "301")], "10〜300km"),
        ([("near", "202096"), ("km", "abc")], "10〜300km"),
        ([("near", "202096"), ("km", "30.5")], "10〜300km"),
        ([("view", "globe")], "表示 globe はない"),
    ],
)
def test_bad_map_values_get_a_notice(client, params, notice):
    response = client.get(BROWSE, params)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert any(notice in n for n in browse_json(client, params)["notices"])


def test_unknown_place_leaves_the_selection_whole(client):
    everything = browse_json(client, [])["count"]
    assert browse_json(client, [("near", "000000")])["count"] == everything


def test_bad_distance_falls_back_to_the_default(client):
    origin = town("伊那市", "長野県")
    document = browse_json(client, [("near", origin.lg_code), ("km", "abc")])
    assert document["count"] == len(brute_force_near(origin, geo.NEAR_DEFAULT_KM))


def test_an_empty_picker_is_no_filter_and_no_notice(client):
    document = browse_json(client, [("near", ""), ("km", "30")])
    assert document["notices"] == []
    assert document["count"] == browse_json(client, [])["count"]


def geojson(client, params):
    response = client.get(BROWSE, [*params, ("format", "geojson")])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


@pytest.mark.parametrize(
    "params", [[], [("region", "chubu")], [("q", "交通")], [("near", "092134"), ("km", "50")]]
)
def test_geojson_has_one_feature_per_municipality_of_the_selection(client, params):
    data = geojson(client, params)
    points = published_points()
    # The selection's cases, by slug, from every page of the JSON.
    document = browse_json(client, params)
    selection = document["count"]
    slugs = set()
    for page in range(1, document["num_pages"] + 1):
        slugs |= {c["slug"] for c in browse_json(client, [*params, ("page", page)])["results"]}
    assert len(slugs) == selection
    selected = dict(Case.objects.filter(slug__in=slugs).values_list("pk", "slug"))
    expected = {}
    for case_id in selected:
        for code in {code for _lat, _lon, code in points.get(case_id, [])}:
            expected[code] = expected.get(code, 0) + 1
    counts = {f["properties"]["lg_code"]: f["properties"]["count"] for f in data["features"]}
    assert counts == expected
    for feature in data["features"]:
        cases = feature["properties"]["cases"]
        assert len(cases) == min(feature["properties"]["count"], geo.FEATURE_CASE_LIMIT)
        assert {c["slug"] for c in cases} <= slugs
    unmapped = sum(1 for case_id in selected if case_id not in points)
    assert data["unmapped"]["wide"] + data["unmapped"]["foreign"] == unmapped


def test_map_view_keeps_the_selection_and_lists_it_in_text(client):
    params = [("region", "chubu"), ("q", "地域"), ("sort", "title")]
    response = client.get(BROWSE, [*params, ("view", "map")])
    body = response.content.decode()
    assert response.status_code == 200
    data = geojson(client, params)
    # The text alternative names every municipality on the map, with its count.
    for feature in data["features"]:
        properties = feature["properties"]
        assert (
            f'{properties["prefecture"]}{properties["name"]}</a> <span class="count">'
            f"{properties['count']}件" in body
        )
    # The switch back to the list keeps every filter, and the map keeps them in its data URL.
    assert 'href="/cases/?region=chubu&amp;q=%E5%9C%B0%E5%9F%9F&amp;sort=title"' in body
    assert "format=geojson" in body
    assert 'name="view" value="map"' in body  # the facet form stays on the map
    assert "case-list" not in body
    # The fallback: the server-drawn prefecture map of the same selection.
    assert body.count("<path ") == 47


def test_map_view_lists_the_cases_the_map_cannot_show(client):
    data = geojson(client, [])
    total = data["unmapped"]["wide"] + data["unmapped"]["foreign"]
    assert total, "the catalogue has prefecture-wide or foreign cases"
    body = client.get(BROWSE, {"view": "map"}).content.decode()
    assert f"地図に表示できない事例 {total}件" in body
    if data["unmapped"]["foreign"]:
        assert f"海外の事例 {data['unmapped']['foreign']}件" in body


def test_list_view_links_to_the_map_with_the_same_filters(client):
    body = client.get(BROWSE, [("region", "chubu"), ("near", "202096"), ("km", "50")]).content
    body = body.decode()
    assert 'href="/cases/?region=chubu&amp;near=202096&amp;km=50&amp;view=map"' in body
    assert "長野県伊那市から50km以内" in body


def test_map_view_query_budget(client, django_assert_max_num_queries):
    client.get(BROWSE, {"view": "map"})  # builds the index and the geography
    with django_assert_max_num_queries(12):
        client.get(BROWSE, [("view", "map"), ("region", "chubu"), ("near", "202096")])
    with django_assert_max_num_queries(1):  # the version token; the rest is in memory
        client.get(BROWSE, [("region", "chubu"), ("format", "geojson")])


def test_case_page_shows_nearby_cases_linking_to_the_browse_page(client):
    case = (
        Case.objects.published()
        .filter(places__municipality__lg_code="092134")  # 那須塩原市: cases of its own nearby
        .first()
    )
    body = client.get(case.get_absolute_url()).content.decode()
    assert "近くの事例" in body
    assert "規模の近い自治体の事例" in body
    nearby = geo.nearby_context(case)
    assert nearby["nearest"]
    assert nearby["near_url"].replace("&", "&amp;") in body
    for item in nearby["nearest"]:
        assert f"/cases/{item['slug']}/" in body
    # The link opens a selection on the browse page that holds every case listed, no notice.
    near_params = list(QueryDict(nearby["near_url"].split("?")[1]).items())
    document = browse_json(client, near_params)
    assert document["notices"] == []
    listed = set()
    for page in range(1, document["num_pages"] + 1):
        params = [*near_params, ("page", page)]
        listed |= {c["slug"] for c in browse_json(client, params)["results"]}
    assert {item["slug"] for item in nearby["nearest"]} <= listed


def test_near_with_a_search_keeps_both(client):
    """The distance and the search narrow together: the cases near the place whose raw fields
    contain the words (tests.oracles' search), no more."""
    from tests import oracles

    origin = town("伊那市", "長野県")
    near = set(
        Case.objects.filter(pk__in=brute_force_near(origin, 300)).values_list("slug", flat=True)
    )
    found = oracles.expected_search(oracles.search_corpus(), "地域")
    expected = near & found
    assert expected
    # Each filter leaves some out.
    assert expected != near
    assert expected != found
    _first, slugs = oracles.browse_all(
        client, [("near", origin.lg_code), ("km", 300), ("q", "地域")]
    )
    assert set(slugs) == expected
