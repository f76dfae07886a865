"""Geography: distances, the `near` selection, nearby and similar-sized cases, map data."""

import itertools
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import choropleth, geo
from cases.models import Case, CaseFacet, CatalogueVersion, Municipality, Place
from tests.factories import CaseFactory, PlaceFactory

pytestmark = pytest.mark.django_db

# Every published case's municipalities with coordinates, straight from the ORM: the oracle the
# in-memory CaseGeography is checked against.


def brute_force_case_points():
    points = {}
    for case_id, lat, lon in Place.objects.filter(
        case__status=Case.Status.PUBLISHED,
        municipality__isnull=False,
        municipality__latitude__isnull=False,
    ).values_list("case_id", "municipality__latitude", "municipality__longitude"):
        points.setdefault(case_id, []).append((lat, lon))
    return points


def town(name, prefecture):
    return Municipality.objects.get(name=name, prefecture__name=prefecture)


coordinates = st.tuples(
    st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180)
)


def test_ina_to_shiojiri_is_32_km():
    ina, shiojiri = town("伊那市", "長野県"), town("塩尻市", "長野県")
    km = geo.great_circle_km(ina.latitude, ina.longitude, shiojiri.latitude, shiojiri.longitude)
    assert round(km, 1) == 32.0


def test_one_degree_of_latitude_is_about_111_km():
    assert geo.great_circle_km(35, 135, 36, 135) == pytest.approx(111.19, abs=0.01)


@given(coordinates, coordinates, coordinates)
def test_distance_is_a_metric_on_the_sphere(a, b, c):
    ab = geo.great_circle_km(*a, *b)
    assert ab == pytest.approx(geo.great_circle_km(*b, *a), abs=1e-6)
    assert 0 <= ab <= math.pi * geo.EARTH_RADIUS_KM + 1e-6
    assert geo.great_circle_km(*a, *a) == pytest.approx(0, abs=1e-6)
    assert ab <= geo.great_circle_km(*a, *c) + geo.great_circle_km(*c, *b) + 1e-6


@pytest.mark.parametrize(
    ("raw", "km"),
    [(None, geo.NEAR_DEFAULT_KM), ("", geo.NEAR_DEFAULT_KM), ("10", 10), ("300", 300),
     (" 50 ", 50), ("9", None), ("301", None), ("abc", None), ("1e3", None), ("-20", None)],
)  # fmt: skip
def test_parse_km_accepts_10_to_300_only(raw, km):
    assert geo.parse_km(raw) == km


def test_municipalities_within_finds_shiojiri_at_32_km():
    ina = town("伊那市", "長野県")
    within_40 = {m.name: km for m, km in geo.municipalities_within(ina.lg_code, 40)}
    assert round(within_40["塩尻市"], 1) == 32.0
    assert within_40["伊那市"] == 0
    assert "塩尻市" not in {m.name for m, _ in geo.municipalities_within(ina.lg_code, 30)}
    distances = [km for _, km in geo.municipalities_within(ina.lg_code, 100)]
    assert distances == sorted(distances)
    assert all(km <= 100 for km in distances)


def test_municipalities_within_rejects_unknown_codes():
    with pytest.raises(Municipality.DoesNotExist):
        geo.municipalities_within("000000", 50)


@pytest.mark.parametrize(
    ("name", "prefecture", "km"),
    [("伊那市", "長野県", 10), ("伊那市", "長野県", 50), ("伊那市", "長野県", 300),
     ("千代田区", "東京都", 30), ("那覇市", "沖縄県", 300), ("厚真町", "北海道", 120)],
)  # fmt: skip
def test_cases_near_equals_brute_force(name, prefecture, km):
    origin = town(name, prefecture)
    expected = {
        case_id
        for case_id, points in brute_force_case_points().items()
        if any(
            geo.great_circle_km(origin.latitude, origin.longitude, lat, lon) <= km
            for lat, lon in points
        )
    }
    assert set(geo.cases_near(origin.lg_code, km)) == expected


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0, max_value=1915), km=st.integers(10, 300))
def test_cases_near_equals_brute_force_anywhere(index, km):
    origin = Municipality.objects.order_by("lg_code")[index]
    points = brute_force_case_points()
    near = geo.cases_near(origin.lg_code, km)
    for case_id, case_points in points.items():
        nearest = min(
            geo.great_circle_km(origin.latitude, origin.longitude, lat, lon)
            for lat, lon in case_points
        )
        if nearest <= km:
            assert near[case_id] == pytest.approx(nearest)
        else:
            assert case_id not in near


def test_nearest_cases_are_sorted_exclude_the_case_and_measure_from_its_nearest_place():
    case = Case.objects.get(slug="ina-city")
    nearest = geo.nearest_cases(case, limit=5)
    assert nearest[0]["slug"] == "shiojiri-city"
    assert round(nearest[0]["km"], 1) == 32.0
    assert case.slug not in {item["slug"] for item in nearest}
    assert [item["km"] for item in nearest] == sorted(item["km"] for item in nearest)
    points = brute_force_case_points()
    slugs = dict(Case.objects.values_list("slug", "pk"))
    for item in nearest:
        expected = min(
            geo.great_circle_km(*a, *b)
            for a in points[case.pk]
            for b in points[slugs[item["slug"]]]
        )
        assert item["km"] == pytest.approx(expected)


def test_a_case_in_a_wider_area_sits_at_each_named_municipality():
    case = Case.objects.get(slug="nasucon-valley")
    geography = geo.current_geography()
    names = {geography.towns[town_id].name for town_id in geography.case_towns[case.pk]}
    assert names == {"那須町", "那須塩原市", "大田原市"}


def brute_force_regions():
    regions = {}
    for case_id, own, of_town in Place.objects.values_list(
        "case_id", "prefecture__region", "municipality__prefecture__region"
    ):
        regions.setdefault(case_id, set()).update(r for r in (own, of_town) if r)
    return regions


@pytest.mark.parametrize("same_region", [True, False])
def test_similar_population_cases_equal_brute_force(same_region):
    regions = brute_force_regions()
    stated = Case.objects.published().exclude(population=None)
    for case in stated:
        found = geo.similar_population_cases(case, same_region, limit=1000)
        expected = set()
        for other in stated.exclude(pk=case.pk):
            if not 0.7 * case.population <= other.population <= 1.3 * case.population:
                continue
            if same_region and not regions.get(case.pk, set()) & regions.get(other.pk, set()):
                continue
            expected.add(other.slug)
        assert {item["slug"] for item in found} == expected, case.slug
        gaps = [abs(math.log(item["population"] / case.population)) for item in found]
        assert gaps == sorted(gaps)


def test_similar_population_of_ina_finds_shiojiri_in_the_same_region():
    case = Case.objects.get(slug="ina-city")
    same_region = geo.similar_population_cases(case, same_region=True)
    assert "shiojiri-city" in {item["slug"] for item in same_region}
    assert len(geo.similar_population_cases(case, same_region=False)) >= len(same_region)


def test_geojson_has_one_feature_per_municipality_and_counts_the_rest():
    ids = list(Case.objects.published().order_by("title").values_list("pk", flat=True))
    data = geo.geojson_for_cases(ids)
    json.dumps(data)  # serialisable as it is
    points = brute_force_case_points()
    towns = Place.objects.filter(
        case__status=Case.Status.PUBLISHED, municipality__isnull=False
    ).values_list("municipality__lg_code", "case_id")
    expected_counts = {}
    for lg_code, _case_id in set(towns):
        expected_counts[lg_code] = expected_counts.get(lg_code, 0) + 1
    assert {f["properties"]["lg_code"]: f["properties"]["count"] for f in data["features"]} == (
        expected_counts
    )
    foreign = set(Place.objects.filter(kind=Place.Kind.FOREIGN).values_list("case_id", flat=True))
    unmapped = [pk for pk in ids if pk not in points]
    assert data["unmapped"] == {
        "foreign": sum(1 for pk in unmapped if pk in foreign),
        "wide": sum(1 for pk in unmapped if pk not in foreign),
    }
    assert data["unmapped"]["foreign"] > 0
    assert data["unmapped"]["wide"] > 0
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    lon, lat = feature["geometry"]["coordinates"]
    assert 20 < lat < 46
    assert 122 < lon < 154
    first = feature["properties"]["cases"][0]
    assert set(first) == {"slug", "title", "type"}
    assert data["types"]["commons"] == "共同体（コモンズ）形成型"


@pytest.mark.parametrize("selection", ["all", "reversed", "every_third", "none"])
def test_geojson_text_is_the_same_collection(selection):
    ids = list(Case.objects.published().order_by("title").values_list("pk", flat=True))
    ids = {"all": ids, "reversed": ids[::-1], "every_third": ids[::3], "none": []}[selection]
    assert json.loads(geo.geojson_text(ids)) == geo.geojson_for_cases(ids)


def test_geojson_lists_at_most_20_cases_per_municipality_in_selection_order():
    atsuma = Municipality.objects.get(lg_code="015814")
    places = PlaceFactory.create_batch(25, municipality=atsuma)
    CatalogueVersion.bump()
    ids = [place.case_id for place in reversed(places)]
    data = json.loads(geo.geojson_text(ids))
    (feature,) = data["features"]
    assert feature["properties"]["count"] == 25
    slugs = [item["slug"] for item in feature["properties"]["cases"]]
    assert slugs == [place.case.slug for place in reversed(places)][: geo.FEATURE_CASE_LIMIT]


def test_geojson_ignores_unpublished_and_unknown_ids():
    draft = CaseFactory(status=Case.Status.DRAFT)
    PlaceFactory(case=draft)
    CatalogueVersion.bump()
    data = geo.geojson_for_cases([draft.pk, 10**9])
    assert data["features"] == []
    assert data["unmapped"] == {"wide": 0, "foreign": 0}


def test_geography_follows_the_catalogue_version():
    before = geo.current_geography()
    place = PlaceFactory(municipality=Municipality.objects.get(lg_code="202096"))
    CatalogueVersion.bump()
    after = geo.current_geography()
    assert after is not before
    assert place.case_id in after.case_towns


def test_prefecture_counts_equal_the_pref_facet():
    expected = {}
    for value in CaseFacet.objects.filter(
        facet="pref", case__status=Case.Status.PUBLISHED
    ).values_list("value", flat=True):
        expected[value] = expected.get(value, 0) + 1
    assert geo.prefecture_counts() == expected


# The choropleth -----------------------------------------------------------------------------


def relative_luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_palette_darkens_step_by_step_so_it_reads_in_greyscale():
    shades = [relative_luminance(c) for c in (choropleth.EMPTY, *choropleth.PALETTE)]
    assert all(a > b for a, b in itertools.pairwise(shades))


@given(st.lists(st.integers(min_value=0, max_value=100_000), max_size=47))
def test_every_count_gets_the_class_of_its_bounds(counts):
    breaks = choropleth.class_breaks(counts)
    assert breaks == sorted(set(breaks))
    assert len(breaks) <= choropleth.MAX_CLASSES
    legend = choropleth.legend(breaks)
    assert len(legend) == len(breaks) + 1
    colours = [colour for _, colour in legend]
    for count in counts:
        colour = choropleth.colour_for(count, breaks)
        assert colour in colours
        if count == 0:
            assert colour == choropleth.EMPTY
    # A larger count never gets a lighter colour.
    ordered = sorted(set(counts))
    shades = [relative_luminance(choropleth.colour_for(c, breaks)) for c in ordered]
    assert shades == sorted(shades, reverse=True)
    if any(counts):
        assert breaks[-1] == max(counts)


def test_outlines_are_small_and_cover_the_47_prefectures():
    path = choropleth.finders.find(choropleth.OUTLINES)
    with open(path, "rb") as handle:
        size = len(handle.read())
    assert size < 150_000
    assert sorted(choropleth.outlines()["prefectures"]) == [f"{n:02d}" for n in range(1, 48)]


def test_choropleth_links_every_prefecture_with_a_title():
    html = choropleth.render_choropleth(
        {"13": 5, "20": 2}, lambda code: f"/cases/?pref={code}", caption="テスト"
    )
    assert html.count("<path ") == 47
    assert html.count("<title>") == 47
    assert '<a href="/cases/?pref=20" class="pref-map__link">' in html
    assert "<title>長野県 2件</title>" in html
    assert "<title>北海道 0件</title>" in html
    assert "<li>" in html
    assert "5件" in html  # the legend's top class


@pytest.mark.parametrize("limit", [1, 3])
def test_the_first_few_are_the_first_few_of_the_whole_ranking(limit):
    """nearest_cases and similar_population_cases stop early; what they return must be the head
    of the full ranking (by distance or closeness, then title)."""
    geography = geo.current_geography()
    for case in Case.objects.published():
        whole = geo.nearest_cases(case, limit=10_000, geography=geography)
        head = geo.nearest_cases(case, limit=limit, geography=geography)
        assert [i["slug"] for i in head] == [i["slug"] for i in whole][:limit], case.slug
        for same_region in (True, False):
            whole = geo.similar_population_cases(case, same_region, 10_000, geography)
            head = geo.similar_population_cases(case, same_region, limit, geography)
            assert [i["slug"] for i in head] == [i["slug"] for i in whole][:limit], case.slug
