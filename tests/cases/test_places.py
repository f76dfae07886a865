"""Municipality pages, their map data, the municipality autocomplete, the home page's map."""

import pytest
from django.db.models import Q
from django.urls import reverse

from cases.models import Case, CatalogueVersion, KeyFigure, Municipality, Place
from tests.factories import CaseFactory, PlaceFactory

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = reverse("cases:municipality_autocomplete")


def place_url(lg_code):
    return reverse("cases:place_detail", args=[lg_code])


def published_municipalities():
    return Municipality.objects.filter(places__case__status=Case.Status.PUBLISHED).distinct()


def test_every_municipality_with_a_case_has_a_page(client, django_assert_max_num_queries):
    municipalities = list(published_municipalities())
    assert len(municipalities) > 40
    for municipality in municipalities:
        with django_assert_max_num_queries(10):
            response = client.get(place_url(municipality.lg_code))
        assert response.status_code == 200, municipality.lg_code
        body = response.content.decode()
        assert municipality.name in body
        assert municipality.kana in body
        assert municipality.prefecture.name in body
        for case in Case.objects.published().filter(places__municipality=municipality):
            assert case.get_absolute_url() in body


def test_place_page_states_populations_as_printed_with_date_and_source(client):
    ina = Municipality.objects.get(lg_code="202096")
    figures = KeyFigure.objects.filter(
        kind=KeyFigure.Kind.POPULATION, place__municipality=ina, case__status="published"
    ).select_related("source")
    assert figures
    body = client.get(place_url(ina.lg_code)).content.decode()
    for figure in figures:
        assert figure.as_printed in body
        assert str(figure.as_of_or_undated) in body
        assert figure.source.short_title in body
        assert figure.section.heading in body


def test_place_page_lists_nearby_cases_with_distance(client):
    response = client.get(place_url("202151"))  # 塩尻市: 伊那市 is 32.0 km away, beyond 30
    nearby = response.context["nearby"]
    assert all(item["km"] <= 30 for item in nearby)
    here = {case.slug for case in response.context["cases"]}
    assert not here & {item["slug"] for item in nearby}
    response = client.get(place_url("202096"))
    assert "半径30km" in response.content.decode()


@pytest.mark.parametrize(
    "code", ["000000", "999999", "abc", "20209", "2020960", "２０２０９６", "../../x"]
)
def test_unknown_or_malformed_codes_are_404(client, code):
    assert client.get(f"/places/{code}/").status_code == 404


def test_nul_in_a_code_or_a_search_is_refused_before_the_view(client):
    # kokudo.middleware answers any URL holding a control character with a 400 page.
    assert client.get("/places/%00/").status_code == 400
    assert client.get(reverse("cases:municipality_autocomplete"), {"q": "\x00"}).status_code == 400


def test_municipality_without_a_published_case_is_404(client):
    lonely = Municipality.objects.exclude(places__isnull=False).first()
    assert client.get(place_url(lonely.lg_code)).status_code == 404
    draft = CaseFactory(status=Case.Status.DRAFT)
    PlaceFactory(case=draft, municipality=lonely)
    assert client.get(place_url(lonely.lg_code)).status_code == 404
    draft.status = Case.Status.PUBLISHED
    draft.save()
    assert client.get(place_url(lonely.lg_code)).status_code == 200


def test_place_geojson_covers_the_place_and_its_neighbourhood(client):
    response = client.get(reverse("cases:place_geojson", args=["202096"]))
    assert response.status_code == 200
    data = response.json()
    codes = {feature["properties"]["lg_code"] for feature in data["features"]}
    assert "202096" in codes
    assert client.get(reverse("cases:place_geojson", args=["999999"])).status_code == 404


def test_place_index_lists_every_municipality_with_a_case_by_prefecture(client):
    response = client.get(reverse("cases:place_list"))
    body = response.content.decode()
    for municipality in published_municipalities():
        assert place_url(municipality.lg_code) in body
    prefectures = [pref["code"] for pref in response.context["prefectures"]]
    assert prefectures == sorted(prefectures)


def test_case_page_links_its_municipalities_to_their_pages(client):
    case = Case.objects.get(slug="nasucon-valley")
    body = client.get(case.get_absolute_url()).content.decode()
    for place in Place.objects.filter(case=case, municipality__isnull=False):
        assert place_url(place.municipality.lg_code) in body


# Autocomplete ------------------------------------------------------------------------------


def autocomplete(client, q):
    response = client.get(AUTOCOMPLETE, {"q": q})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("q", ["いな", "イナ", "ｲﾅ", "伊那", "伊那市", "いなし"])
def test_autocomplete_finds_ina_by_name_or_reading(client, q):
    results = autocomplete(client, q)["results"]
    assert results[0]["name"] == "伊那市"
    assert results[0] == {
        "lg_code": "202096",
        "name": "伊那市",
        "kana": "いなし",
        "prefecture": "長野県",
        "label": "長野県伊那市",
    }


def test_autocomplete_matches_inside_names_after_prefixes(client):
    names = [item["name"] for item in autocomplete(client, "那")["results"]]
    assert "伊那市" in names
    assert names.index("那覇市") < names.index("伊那市")


def test_autocomplete_covers_municipalities_without_cases(client):
    lonely = Municipality.objects.exclude(places__isnull=False).first()
    codes = [item["lg_code"] for item in autocomplete(client, lonely.name)["results"]]
    assert lonely.lg_code in codes


@pytest.mark.parametrize("q", ["", "   ", "x" * 5000, "%", "'; DROP TABLE", "あ" * 30])
def test_autocomplete_survives_odd_input(client, q):
    data = autocomplete(client, q)
    assert len(data["results"]) <= 20
    if not q.strip():
        assert data["message"]


# The prefecture map and the CSP ------------------------------------------------------------


def test_home_page_shows_the_prefecture_map(client):
    body = client.get(reverse("cases:home")).content.decode()
    assert body.count("<path ") == 47
    # A case counts for a prefecture it names, or that one of its municipalities lies in.
    count = (
        Case.objects.published()
        .filter(Q(places__prefecture__code="20") | Q(places__municipality__prefecture__code="20"))
        .distinct()
        .count()
    )
    assert count > 0
    assert f"<title>長野県 {count}件</title>" in body
    assert f'href="{reverse("cases:case_list")}?pref=20"' in body


def test_csp_allows_tiles_from_the_gsi_host_only(client):
    policy = client.get(reverse("cases:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["img-src"].split() == ["'self'", "data:", "https://cyberjapandata.gsi.go.jp"]
    external = [
        source
        for name, sources in directives.items()
        if name != "img-src"
        for source in sources.split()
        if source.startswith("http")
    ]
    assert external == []


def test_new_case_shows_on_the_map_of_its_prefecture(client):
    lonely = Municipality.objects.exclude(places__isnull=False).filter(prefecture__code="47")[0]
    before = client.get(reverse("cases:home")).content.decode()
    PlaceFactory(municipality=lonely)
    CatalogueVersion.bump()
    after = client.get(reverse("cases:home")).content.decode()
    count = before.split("<title>沖縄県 ")[1].split("件")[0]
    assert f"<title>沖縄県 {int(count) + 1}件</title>" in after


# The case page's nearby blocks, ready for the case page -----------------------------------


def test_nearby_include_shows_distances_populations_and_browse_links():
    from django.template.loader import render_to_string

    from cases.geo import nearby_context

    case = Case.objects.get(slug="ina-city")
    html = render_to_string("cases/_nearby.html", {"nearby": nearby_context(case)})
    shiojiri = Case.objects.get(slug="shiojiri-city")
    assert f'<a href="{shiojiri.get_absolute_url()}">' in html
    assert "32.0km" in html
    assert "?near=202096&amp;km=" in html
    assert "±30%" in html
    assert "全国から探す" in html
    assert "pop=50k-100k" in html  # 伊那市: 約 6.5 万人 and 6.6万人 as stated; the larger counts


def test_nearby_include_explains_cases_without_a_municipality():
    from django.template.loader import render_to_string

    from cases.geo import nearby_context

    case = (
        Case.objects.published()
        .filter(places__kind=Place.Kind.FOREIGN)
        .exclude(places__municipality__isnull=False)
        .first()
    )
    html = render_to_string("cases/_nearby.html", {"nearby": nearby_context(case)})
    assert "距離では探せません" in html
