"""The browse page in a real Chromium: what the document's head says after htmx changes the
page (canonical, Open Graph and Twitter, feed link, JSON-LD, title), and the 一覧 | 地図 | 集計
switch at both widths.

The oracle for a head is the head of a fresh load of the same URL in another tab.
"""

import re

import pytest

from tests.cases.test_browse_map_browser import wait_for_map
from tests.cases.test_browser import check_accessibility, result_count, screenshot
from tests.cases.test_map_browser import serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a crawler or a link preview reads from the head. head-support appends what it adds, so
# the order may differ from a full load's: head() sorts (a duplicate still shows).
READ_HEAD = """() => ({
  title: document.title,
  canonical: [...document.querySelectorAll("link[rel=canonical]")].map((link) => link.href),
  feeds: [...document.querySelectorAll("link[rel=alternate][type='application/atom+xml']")]
    .map((link) => [link.title, link.href]),
  meta: [...document.head.querySelectorAll("meta[property], meta[name]")]
    .map((meta) => [meta.getAttribute("property") || meta.name, meta.content]),
  jsonld: [...document.querySelectorAll("script[type='application/ld+json']")]
    .map((script) => JSON.parse(script.textContent)),
})"""


def head(page):
    found = page.evaluate(READ_HEAD)
    for key in ("canonical", "feeds", "meta"):
        found[key] = sorted(found[key])
    return found


def served_head(browser, url):
    """The head a full load of url serves."""
    fresh = browser.new_page()
    serve_tiles(fresh)
    fresh.goto(url)
    found = head(fresh)
    fresh.close()
    return found


def assert_head_as_served(browser, page):
    found = head(page)
    assert found == served_head(browser, page.url), page.url
    (canonical,) = found["canonical"]
    assert dict(found["meta"])["og:url"] == canonical
    return found


def wait_for_count_change(page, before):
    page.wait_for_function(
        f"!document.querySelector('#result-count').innerText.startsWith('{before}件')"
    )


def test_the_head_follows_htmx_changes_and_back(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    serve_tiles(page)
    page.goto(f"{site}/cases/")
    first = assert_head_as_served(browser, page)
    everything = result_count(page)

    # A facet ticked: htmx swaps #browse and pushes the URL.
    page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).check()
    page.wait_for_url(re.compile(r"[?&]type=commons(&|$)"))
    wait_for_count_change(page, everything)
    by_type = assert_head_as_served(browser, page)
    by_type_url = page.url
    assert by_type["canonical"] != first["canonical"]
    assert "type=commons" in by_type["canonical"][0]
    assert by_type["feeds"][0][1].endswith("/cases/feed/?type=commons")

    # A search: the title names it.
    page.locator("#q").fill("交通")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=%E4%BA%A4%E9%80%9A"))
    page.locator("mark", has_text="交通").first.wait_for()
    searched = assert_head_as_served(browser, page)
    assert searched["title"].startswith("「交通」の検索結果")
    searched_url = page.url

    # The switch to the map, with htmx too.
    switch = page.get_by_role("navigation", name="表示の切り替え")
    switch.get_by_role("link", name="地図").click()
    page.wait_for_url(re.compile(r"view=map"))
    wait_for_map(page)
    assert_head_as_served(browser, page)

    # Back, from htmx's history cache: the head of the page it shows.
    page.go_back()
    page.wait_for_url(searched_url)
    page.locator(".case-list").wait_for()
    assert head(page) == searched

    # Back again with the cache emptied: htmx asks the server for the page.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    with page.expect_response(lambda response: response.url == by_type_url) as restored:
        page.go_back()
    assert restored.value.request.headers.get("hx-history-restore-request") == "true"
    page.wait_for_url(by_type_url)
    page.wait_for_function("title => document.title === title", arg=by_type["title"])
    assert head(page) == by_type
    page.close()


def test_the_switch_moves_between_the_three_views_with_the_selection(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    serve_tiles(page)
    page.goto(f"{site}/cases/?region=chubu&q=%E5%9C%B0%E5%9F%9F")
    in_list = result_count(page)
    switch = page.get_by_role("navigation", name="表示の切り替え")
    assert switch.locator("[aria-current=page]").inner_text() == "一覧"

    switch.get_by_role("link", name="地図").click()
    page.wait_for_url(re.compile(r"\?region=chubu&q=%E5%9C%B0%E5%9F%9F&view=map$"))
    wait_for_map(page)
    assert result_count(page) == in_list
    # htmx swapped #browse and gave the focus back to the same link, now the current one.
    assert page.evaluate("document.activeElement.id") == "view-switch-map"
    switch = page.get_by_role("navigation", name="表示の切り替え")
    assert switch.locator("[aria-current=page]").inner_text() == "地図"

    switch.get_by_role("link", name="集計").click()
    page.wait_for_url(re.compile(r"/cases/overview/\?region=chubu&q=%E5%9C%B0%E5%9F%9F$"))
    assert page.locator("#overview-total").inner_text().startswith(f"{in_list}件")
    switch = page.get_by_role("navigation", name="表示の切り替え")
    assert switch.locator("[aria-current=page]").inner_text() == "集計"

    switch.get_by_role("link", name="一覧").click()
    page.wait_for_url(re.compile(r"/cases/\?region=chubu&q=%E5%9C%B0%E5%9F%9F$"))
    assert result_count(page) == in_list
    page.close()


VIEWS = {
    "list": "/cases/?region=chubu",
    "map": "/cases/?region=chubu&view=map",
    "overview": "/cases/overview/?region=chubu",
}


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_is_accessible_with_its_switch(browser, site, csp_violations, view, width):
    page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
    serve_tiles(page)
    page.goto(f"{site}{VIEWS[view]}")
    if view == "map":
        wait_for_map(page)
    switch = page.get_by_role("navigation", name="表示の切り替え")
    links = switch.get_by_role("link")
    assert links.all_inner_texts() == ["一覧", "地図", "集計"]
    # The three links fit on one line at either width.
    boxes = [links.nth(i).bounding_box() for i in range(3)]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert boxes[-1]["x"] + boxes[-1]["width"] <= width
    check_accessibility(page)
    screenshot(page, f"view-switch-{view}-{width}")
    page.close()
    assert csp_violations.messages == []
