"""The browse page's map view in a real Chromium: markers against the GeoJSON, the list | map
switch, the fallback without tiles, accessibility and keyboard use.

Tile requests never leave the machine (serve_tiles from test_map_browser).
"""

import re

import pytest

from tests.cases.test_browser import check_accessibility, result_count, screenshot
from tests.cases.test_map_browser import serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUBU_MAP = "/cases/?view=map&region=chubu"


def wait_for_map(page):
    page.locator("[data-map][aria-busy=false]").wait_for()
    return page.locator("[data-map]")


def marker_titles(page):
    """Every marker on the map, clustered or not: the title Leaflet gave it."""
    return page.locator("[data-map]").evaluate(
        "root => root.kokudoMarkers.getLayers().map(marker => marker.options.title)"
    )


def feature_titles(page, site):
    url = page.locator("[data-map]").get_attribute("data-geojson")
    data = page.request.get(f"{site}{url}").json()
    return [
        f"{f['properties']['prefecture']}{f['properties']['name']} {f['properties']['count']}件"
        for f in data["features"]
    ]


@pytest.mark.parametrize("width", [1280, 375])
def test_map_view_has_one_marker_per_municipality_with_the_json_counts(
    browser, site, csp_violations, width
):
    page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    tiles = serve_tiles(page)
    page.goto(f"{site}{CHUBU_MAP}")
    wait_for_map(page)
    expected = feature_titles(page, site)
    assert expected, "中部 has municipalities with cases"
    assert sorted(marker_titles(page)) == sorted(expected)
    assert tiles, "the map asked for no tiles"
    assert page.locator("[data-map-fallback]").is_hidden()
    assert "出典：国土地理院" in page.locator(".leaflet-control-attribution").inner_text()
    # The text alternative lists the same municipalities with the same counts.
    towns = page.locator(".map-towns li")
    assert towns.count() == len(expected)
    check_accessibility(page)
    screenshot(page, f"browse-map-chubu-{width}")
    page.close()
    assert errors == []
    assert csp_violations.messages == []


def test_switching_between_list_and_map_keeps_the_filters(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    serve_tiles(page)
    page.goto(f"{site}/cases/?region=chubu&q=%E5%9C%B0%E5%9F%9F")
    in_list = result_count(page)
    page.get_by_role("navigation", name="表示の切り替え").get_by_role("link", name="地図").click()
    page.wait_for_url(re.compile(r"view=map"))
    assert "region=chubu" in page.url
    assert "q=%E5%9C%B0%E5%9F%9F" in page.url
    wait_for_map(page)
    assert result_count(page) == in_list
    before = page.locator("[data-map]").get_attribute("data-geojson")

    # A facet changed on the map view updates it with htmx and stays on the map.
    page.locator("#facet-scope > summary").click()  # the group is folded until opened
    page.locator("fieldset", has_text="国内・海外").get_by_role("checkbox").first.check()
    page.wait_for_url(re.compile(r"scope="))
    assert "view=map" in page.url
    page.wait_for_function(f"document.querySelector('[data-map]').dataset.geojson !== {before!r}")
    wait_for_map(page)
    assert sorted(marker_titles(page)) == sorted(feature_titles(page, site))
    filtered = result_count(page)

    page.get_by_role("navigation", name="表示の切り替え").get_by_role("link", name="一覧").click()
    # htmx pushes the list's URL once it has swapped it in.
    page.wait_for_url(lambda url: "scope=" in url and "view=map" not in url)
    page.locator(".case-list").wait_for()
    assert "region=chubu" in page.url
    assert result_count(page) == filtered
    assert page.locator(".case-list").is_visible()
    page.close()


def test_without_tiles_the_prefecture_map_of_the_selection_is_shown(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors, page_errors = [], []
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    requested = serve_tiles(page, ok=False)
    page.goto(f"{site}{CHUBU_MAP}")
    fallback = page.locator("[data-map-fallback]")
    fallback.wait_for(state="visible")
    assert fallback.locator("path").count() == 47
    # Shaded by the selection: only 中部's prefectures have cases.
    assert "都道府県別の事例数（この条件）" in fallback.inner_text()
    shaded = fallback.locator("path:not([fill='#ffffff'])")
    # A 中部 case may name places elsewhere too: the prefectures of the selection are those
    # the JSON's prefecture facet counts.
    facets = page.request.get(f"{site}{CHUBU_MAP}&format=json").json()["facets"]
    expected = {option["value"] for option in facets["pref"] if option["count"]}
    assert "20" in expected  # 長野県
    assert set(shaded.evaluate_all("paths => paths.map(p => p.dataset.pref)")) == expected
    assert page_errors == []
    # The refused tiles are the condition under test; the browser logs each. Nothing else.
    assert requested
    assert [m for m in console_errors if "ERR_FAILED" not in m] == []
    page.close()


def test_keyboard_reaches_a_case_link_in_a_popup(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    serve_tiles(page)
    # Few municipalities, so that markers stand alone rather than in clusters.
    page.goto(f"{site}/cases/?view=map&near=092134&km=10")
    wait_for_map(page)
    page.locator(".map-marker").first.wait_for()
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('map-marker')"):
            break
    else:
        pytest.fail("Tab never reached a marker")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    assert page.evaluate("document.activeElement.closest('.map-popup') !== null")
    page.keyboard.press("Tab")  # from the municipality's link to its first case
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert re.fullmatch(r"/cases/[^/]+/", href)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    page.close()
