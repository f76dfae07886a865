"""The maps in a real Chromium: the place page's tiled map, by keyboard, and its fallback.

Tile requests never leave the machine: each test answers them itself, with a blank tile (the
map as it is with tiles) or with an error (the map as it is when the tile host is out of reach).
"""

import base64
import re

import pytest

from tests.cases.test_browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE_HOST = "https://cyberjapandata.gsi.go.jp/**"
# A 1×1 light-grey PNG, served for every tile.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG7buVgAAAABJRU5ErkJggg=="
)
PLACE = "/places/092134/"  # 那須塩原市: cases of its own and of 那須地域 nearby
# The markers and clusters on a map, as a list of what each says.
MARKER_ICONS = "nodes => nodes.map(node => node.getAttribute('aria-label') || node.textContent)"


def serve_tiles(page, ok=True):
    requested = []

    def handle(route):
        requested.append(route.request.url)
        if ok:
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            route.abort()

    page.route(TILE_HOST, handle)
    return requested


@pytest.mark.parametrize("width", [1280, 375])
def test_place_page_map_by_keyboard(browser, site, csp_violations, width):
    page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
    tiles = serve_tiles(page)
    page.goto(f"{site}{PLACE}")
    page.locator("[data-map][aria-busy=false]").wait_for()
    assert tiles, "the map asked for no tiles"
    assert all(url.startswith("https://cyberjapandata.gsi.go.jp/xyz/pale/") for url in tiles)
    attribution = page.locator(".leaflet-control-attribution")
    assert "出典：国土地理院" in attribution.inner_text()
    assert (
        attribution.get_by_role("link", name="国土地理院").get_attribute("href")
        == "https://maps.gsi.go.jp/development/ichiran.html"
    )
    assert attribution.is_visible()
    assert page.locator("[data-map-fallback]").is_hidden()

    # aria-busy goes when the map has its final view and its markers (map.js): the markers in
    # the page then stay, so the one focused here is the one Enter opens. (It used to go while
    # the map still zoomed to its view: a marker of the first view, focused, then vanished, and
    # Enter opened nothing.)
    icons = page.locator(".leaflet-marker-icon")
    drawn = icons.evaluate_all(MARKER_ICONS)
    page.wait_for_timeout(500)  # longer than Leaflet's zoom animation (250 ms)
    assert icons.evaluate_all(MARKER_ICONS) == drawn
    marker = page.locator(".map-marker").first.element_handle()
    assert marker.get_attribute("tabindex") == "0"
    assert re.search(r"\d+件$", marker.get_attribute("aria-label"))
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    first_link = popup.locator(".map-popup a").first
    assert first_link.evaluate("node => node === document.activeElement")
    page.keyboard.press("Tab")  # from the municipality's link to its first case
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert re.fullmatch(r"/cases/[^/]+/", href)
    assert page.evaluate("document.activeElement.closest('.map-popup__list') !== null")
    check_accessibility(page)
    screenshot(page, f"place-{width}")
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert marker.evaluate("node => node === document.activeElement")
    page.close()
    assert csp_violations.messages == []


def test_place_page_falls_back_to_the_prefecture_map_without_tiles(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    serve_tiles(page, ok=False)
    page.goto(f"{site}{PLACE}")
    fallback = page.locator("[data-map-fallback]")
    fallback.wait_for(state="visible")
    assert fallback.locator("path").count() == 47
    assert fallback.locator(".pref-map__area--highlight").get_attribute("data-pref") == "09"
    page.close()


def test_home_page_prefecture_map(browser, site, csp_violations):
    for width in (1280, 375):
        page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
        page.goto(f"{site}/")
        svg = page.locator(".pref-map__svg")
        assert svg.locator("path").count() == 47
        box = svg.bounding_box()
        assert box["width"] <= width
        check_accessibility(page)
        screenshot(page, f"home-map-{width}")
        link = svg.locator("a").first
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/cases/\?pref=\d\d$"))
        page.close()
    assert csp_violations.messages == []
