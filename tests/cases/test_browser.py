"""Journeys through the public site in a real Chromium, with and without JavaScript."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.models import Case
from tests import oracles

# Playwright's sync API runs an event loop in this thread; the ORM calls made here are still
# ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Browser tests need Debian's Chromium: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server):
    # A previous live-server test flushes the database when it ends.
    if not Case.objects.exists():
        call_command("load_catalogue", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def csp_violations():
    """Collect what the browser refuses under the Content-Security-Policy."""
    messages = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and messages.append(message.text)
            ),
        )
        return page

    watch.messages = messages
    return watch


def result_count(page):
    text = page.locator("#result-count").inner_text()
    return int(re.match(r"(\d+)件", text).group(1))


def check_accessibility(page, exclude=()):
    """axe finds no violation; `exclude` names selectors of third-party widgets it may skip."""
    from axe_playwright_python.sync_playwright import Axe

    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = Axe().run(page, context=context)
    violations = [(v["id"], v["help"], len(v["nodes"])) for v in results.response["violations"]]
    assert violations == [], page.url


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_journey_with_javascript(browser, site, csp_violations):
    page = csp_violations(browser.new_page(viewport={"width": 1280, "height": 900}))
    page.goto(f"{site}/cases/")
    everything = result_count(page)

    page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).check()
    page.wait_for_url(re.compile(r"type=commons"))
    page.wait_for_function(
        f"!document.querySelector('#result-count').innerText.startsWith('{everything}件')"
    )
    by_type = result_count(page)
    assert 0 < by_type < everything

    page.locator("#facet-source > summary").click()
    page.locator("#facet-source").get_by_role("checkbox").first.check()
    page.wait_for_url(re.compile(r"type=commons.*source=|source=.*type=commons"))
    two_facets = result_count(page)
    assert 0 < two_facets <= by_type
    chips = page.locator(".active-filters .chip")
    assert chips.count() == 2
    check_accessibility(page)
    screenshot(page, "browse-filtered-1280")

    page.get_by_role("link", name="すべて解除").click()
    page.wait_for_url(f"{site}/cases/")
    page.locator("#q").fill("交通")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=%E4%BA%A4%E9%80%9A"))
    page.locator("mark", has_text="交通").first.wait_for()
    searched_url = page.url
    searched = result_count(page)
    assert searched > 0

    page.locator(".case-card h3 a").first.click()
    page.wait_for_url(re.compile(r"/cases/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text()
    assert page.get_by_text("引用表記").first.is_visible()
    check_accessibility(page)
    screenshot(page, "detail-1280")

    page.go_back()
    page.wait_for_url(searched_url)
    assert page.locator("#q").input_value() == "交通"
    assert result_count(page) == searched
    page.close()
    assert csp_violations.messages == []


def test_back_after_htmx_navigation_when_the_history_cache_misses(browser, site):
    """htmx asks the server for the page again; it must get the whole page, not the fragment."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/cases/")
    everything = result_count(page)
    # No snapshots (htmx 2 keeps them in sessionStorage): every Back asks the server again.
    page.evaluate("htmx.config.historyCacheSize = 0")
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")

    page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).check()
    page.wait_for_url(re.compile(r"[?&]type=commons(&|$)"))
    page.wait_for_function(
        f"!document.querySelector('#result-count').innerText.startsWith('{everything}件')"
    )
    by_type = result_count(page)
    page.get_by_label(re.compile(r"^地場企業牽引型")).check()
    page.wait_for_url(re.compile(r"type=commons&type=local_firm(&|$)"))
    page.wait_for_function(
        f"!document.querySelector('#result-count').innerText.startsWith('{by_type}件')"
    )
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None

    # The history holds the canonical addresses the server gave (HX-Push-Url).
    with page.expect_response(re.compile(r"/cases/\?type=commons(&sort=title)?$")) as restored:
        page.go_back()
    assert restored.value.request.headers.get("hx-history-restore-request") == "true"
    page.wait_for_url(re.compile(r"[?&]type=commons(&|$)"))
    page.locator("#result-count").wait_for()
    assert page.locator(".site-header").count() == 1
    assert page.locator("#facet-form").is_visible()
    assert page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).is_checked()
    assert not page.get_by_label(re.compile(r"^地場企業牽引型")).is_checked()
    page.wait_for_function(
        f"document.querySelector('#result-count').innerText.startsWith('{by_type}件')"
    )
    page.close()


def test_journey_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/cases/")
    everything = result_count(page)
    page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).check()
    page.get_by_label(re.compile(r"^地場企業牽引型")).check()
    page.get_by_role("button", name="この条件で絞り込む").click()
    page.wait_for_url(re.compile(r"type=commons&type=local_firm"))
    both = result_count(page)
    assert 0 < both < everything
    screenshot(page, "browse-filtered-375")

    page.locator("#q").fill("エネルギー")
    page.get_by_role("button", name="この条件で絞り込む").click()
    page.wait_for_url(re.compile(r"q=%E3%82%A8%E3%83%8D%E3%83%AB%E3%82%AE%E3%83%BC"))
    filtered_url = page.url
    # What a person checks: the count is the list's length, every case shown is of the chosen
    # types, and the chips say what is chosen.
    searched = result_count(page)
    assert 0 < searched <= both
    assert page.locator(".case-card").count() == searched
    links = page.locator(".case-card h3 a").evaluate_all("links => links.map(a => a.pathname)")
    shown = [re.fullmatch(r"/cases/([a-z0-9-]+)/", link).group(1) for link in links]
    cases = oracles.yaml_cases()
    assert {cases[slug]["type_2025"] for slug in shown} <= {"commons", "local_firm"}
    chips = page.locator(".active-filters .chip")
    assert chips.count() == 3  # two types and the keyword
    assert "エネルギー" in chips.all_inner_texts()[-1]

    page.goto(f"{site}/cases/")
    first = page.locator(".case-card h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/cases/[a-z0-9-]+/$"))
    assert page.locator("h1").inner_text() == title
    assert page.get_by_text("引用表記").first.is_visible()
    screenshot(page, "detail-375")
    page.go_back()
    page.goto(filtered_url)
    assert page.locator("#q").input_value() == "エネルギー"
    assert page.get_by_label(re.compile(r"^共同体（コモンズ）形成型")).is_checked()
    assert page.get_by_label(re.compile(r"^地場企業牽引型")).is_checked()
    assert result_count(page) == searched
    context.close()


def test_compare_cases_and_copy_a_citation(browser, site, csp_violations):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = csp_violations(context.new_page())
    page.goto(f"{site}/cases/?type=commons")
    ticks = page.get_by_role("checkbox", name=re.compile(r"^比べる\s*："))
    first, second = ticks.nth(0), ticks.nth(1)
    first.check()
    second.check()
    page.get_by_role("button", name=re.compile(r"^チェックした事例を比べる")).click()
    page.wait_for_url(re.compile(r"/compare/\?case=[a-z0-9-]+&case=[a-z0-9-]+$"))
    assert page.locator(".compare-table thead th").count() == 2
    check_accessibility(page)

    page.locator("#compare-q").fill("交通")
    page.locator("#compare-q").press("Enter")
    page.wait_for_url(re.compile(r"q=%E4%BA%A4%E9%80%9A"))
    page.locator(".compare-add li a").first.click()
    page.wait_for_url(re.compile(r"/compare/\?(case=[a-z0-9-]+&){2}case=[a-z0-9-]+$"))
    assert page.locator(".compare-table thead th").count() == 3
    screenshot(page, "compare-1280")

    page.goto(f"{site}/cases/meets/")
    # The sources' citation lines (figures have their own, tested in test_print.py).
    button = page.locator(".source").get_by_role("button", name="コピー").first
    button.click()
    page.get_by_role("button", name="コピーしました").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator(".source .cite-line").first.inner_text()
    assert copied.startswith("国土審議会")
    context.close()
    assert csp_violations.messages == []


@pytest.mark.parametrize("width", [1280, 375])
def test_home_is_accessible(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/")
    assert page.locator("h1").inner_text() == "地域づくりの事例を、出典とともに"
    check_accessibility(page)
    screenshot(page, f"home-{width}")
    page.goto(f"{site}/cases/?type=commons&theme=mutual-aid")
    check_accessibility(page)
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_reading_order_and_the_population_note(browser, site, width):
    """The 「事例名」 order is by reading; the pop group says its bands use stated values and
    offers 「人口の記載なし」; axe finds nothing on either page."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/cases/?sort=prefecture")
    assert page.locator("#sort option:checked").inner_text() == "都道府県順"
    page.goto(f"{site}/cases/?sort=title")
    assert page.locator("#sort option:checked").inner_text() == "事例名"
    files = oracles.published_yaml_cases()
    first = min(
        files.values(), key=lambda r: oracles.reading_order_key(r["title_kana"], r["title"])
    )
    assert page.locator(".case-card h3 a").first.inner_text() == first["title"]
    check_accessibility(page)
    page.goto(f"{site}/cases/?pop=unknown")
    if width < 960:
        page.locator("button.filter-toggle").click()
    group = page.locator("#facet-pop")
    group.scroll_into_view_if_needed()
    assert page.locator("#pop-note").is_visible()
    assert "記載値" in page.locator("#pop-note").inner_text()
    unknown = group.locator('input[name="pop"][value="unknown"]')
    assert unknown.is_visible()
    assert unknown.is_checked()
    check_accessibility(page)
    screenshot(page, f"pop-unknown-{width}")
    page.close()


def test_admin_works_under_the_content_security_policy(
    browser, site, csp_violations, django_user_model
):
    django_user_model.objects.create_superuser("admin-browser", password="pw-admin-browser-1")
    page = csp_violations(browser.new_page(viewport={"width": 1280, "height": 900}))
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "admin-browser")
    page.fill("#id_password", "pw-admin-browser-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"{site}/admin/")
    case = Case.objects.get(slug="meets")
    page.goto(f"{site}/admin/cases/case/{case.pk}/change/")
    page.locator("#id_title").wait_for()
    # The autocomplete widget is script-driven: it only renders when scripts run.
    assert page.locator(".select2-container").count() > 0
    page.goto(f"{site}/admin/cases/case/?q=厚真")
    assert "ミーツ" in page.content()
    page.close()
    assert csp_violations.messages == []


# What policy staff hit first (issue 13) ------------------------------------------------------

WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.closest('.compare-scroll') === null)
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map((e) => e.tagName + '.' + e.className)"""


def test_phone_filters_open_as_a_panel_with_a_live_count(browser, site, csp_violations):
    page = csp_violations(browser.new_page(viewport={"width": 375, "height": 740}))
    page.goto(f"{site}/cases/")
    everything = result_count(page)
    toggle = page.get_by_role("button", name=re.compile(r"^絞り込み"))
    assert toggle.is_visible()
    assert not page.locator("#facet-form").is_visible()
    check_accessibility(page)
    screenshot(page, "browse-drawer-closed-375")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator("#facet-region > summary").click()
    page.get_by_label(re.compile(r"^中部")).check()
    page.wait_for_url(re.compile(r"region=chubu"))
    show = page.locator(".show-results")
    page.wait_for_function(
        f"!document.querySelector('.show-results').innerText.startsWith('{everything}件')"
    )
    # The count is on screen right after the tick: the panel's button shows it and stays open.
    assert show.is_visible()
    box = show.bounding_box()
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 740
    chubu = int(re.match(r"(\d+)件を表示", show.inner_text()).group(1))
    assert 0 < chubu < everything
    assert page.locator("#facet-form").is_visible()
    assert page.get_by_label(re.compile(r"^中部")).is_checked()
    check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / "browse-drawer-open-375.png"))

    show.click()
    assert not page.locator("#facet-form").is_visible()
    assert page.evaluate("document.activeElement.id") == "result-count"
    assert result_count(page) == chubu
    count_box = page.locator("#result-count").bounding_box()
    assert 0 <= count_box["y"] < 740
    assert page.locator(".active-filters .chip").count() == 1
    page.close()
    assert csp_violations.messages == []


def test_without_javascript_the_phone_filters_simply_show(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/cases/")
    assert page.locator("#facet-form").is_visible()
    assert not page.locator(".filter-toggle").is_visible()
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_skip_link_focuses_the_first_result(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/cases/")
    first_title = page.locator(".case-card h3 a").first.inner_text()
    presses = 0
    while page.evaluate("document.activeElement.className") != "skip-to-results":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 20, "the skip link is not among the first stops"
    assert page.locator(".skip-to-results").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "first-result"
    assert page.evaluate("document.activeElement.innerText") == first_title
    print(f"{width}px: {presses} Tab presses to the skip link, then Enter")
    if width == 1280:
        screenshot(page, "browse-1280")
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_case_page_fits_the_screen_and_shows_whole_citations(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/cases/ina-city/")
    assert page.evaluate(WIDER_THAN_VIEWPORT) == []
    # Every citation line shows its whole text: the sources', the page's and a figure's.
    page.locator("details.figure-cite summary").first.click()
    shown = page.locator(".source .cite-line, #cite-page, details.figure-cite[open] .cite-line")
    assert shown.count() >= 5
    for i in range(shown.count()):
        clipped = shown.nth(i).evaluate(
            "(e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1"
        )
        assert not clipped, shown.nth(i).inner_text()
    lines = page.locator(".source .cite-line")
    assert lines.count() >= 3
    texts = [lines.nth(i).inner_text() for i in range(lines.count())]
    assert len(set(texts)) == len(texts)
    folded = page.locator("details.actor-group:not([open])")
    assert folded.count() >= 1
    check_accessibility(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"ina-city at {width}px: {height}px tall")
    screenshot(page, f"ina-city-{width}")
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_comparison_keeps_headings_and_row_labels_in_view(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.goto(f"{site}/compare/?case=ina-city&case=shiojiri-city&case=sundred")
    box = page.locator(".compare-scroll")
    heading = page.locator(".compare-table thead th").first
    label = page.locator(".compare-table tbody th").nth(5)
    box.evaluate("(e) => e.scrollBy(0, 600)")
    page.wait_for_timeout(100)
    assert abs(heading.bounding_box()["y"] - box.bounding_box()["y"]) <= 2
    box.evaluate("(e) => e.scrollBy(400, 0)")
    page.wait_for_timeout(100)
    assert box.evaluate("(e) => e.scrollLeft") > 0 or width == 1280
    assert abs(label.bounding_box()["x"] - box.bounding_box()["x"]) <= 2
    check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / f"compare-sticky-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_organisation_list(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}/organizations/")
    assert page.locator("h1").inner_text() == "組織の一覧"
    page.locator("#org-q").fill("ＫＤＤＩ")
    page.locator("#org-q").press("Enter")
    page.wait_for_url(re.compile(r"q="))
    assert page.locator(".org-table tbody tr").count() >= 1
    page.goto(f"{site}/organizations/")
    assert page.evaluate(WIDER_THAN_VIEWPORT) == []
    check_accessibility(page)
    page.screenshot(path=str(ARTIFACTS / f"organizations-{width}.png"))
    page.close()
