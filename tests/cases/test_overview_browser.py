"""The overview and the differences section in a real Chromium: layout, axe, keyboard, no script."""

import re

import pytest

from tests.cases.test_browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SELECTION = "/cases/overview/?theme=transport-redesign&figures=population"


def page_scrolls_sideways(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_overview_fits_the_screen_and_is_accessible(browser, site, csp_violations, width):
    page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
    page.goto(f"{site}{SELECTION}")
    assert page.locator("h1").inner_text() == "事例の概観"
    assert page.locator(".chart").count() >= 11
    assert page.locator(".heat-table").count() == 2
    assert page.locator(".figure-table tbody tr").count() > 0
    # A wide table may scroll in its own box; the page itself never does.
    assert not page_scrolls_sideways(page)
    check_accessibility(page)
    screenshot(page, f"overview-{width}")
    page.goto(f"{site}/cases/ina-city/")
    assert not page_scrolls_sideways(page)
    section = page.locator("section.differences")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(screenshot_path(f"differences-ina-city-{width}")))
    check_accessibility(page)
    page.close()
    assert csp_violations.messages == []


def screenshot_path(name):
    from tests.cases.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_bars_are_links_reachable_by_keyboard(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/cases/overview/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('bar-row')"):
            break
    else:
        pytest.fail("No bar took the keyboard focus within 60 tabs.")
    label = page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/overview/\?type="))
    assert page.locator(".active-filters .chip").count() == 1
    assert label.split("\n")[0] in page.locator(".active-filters .chip").inner_text()
    page.close()


def test_the_overview_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/cases/")
    page.get_by_role("link", name="集計", exact=True).click()
    page.wait_for_url(re.compile(r"/cases/overview/$"))
    everything = int(re.match(r"(\d+)件", page.locator("#overview-total").inner_text()).group(1))
    page.locator("section.chart", has_text="地方").locator("a.bar-row").first.click()
    page.wait_for_url(re.compile(r"region="))
    narrowed = int(re.match(r"(\d+)件", page.locator("#overview-total").inner_text()).group(1))
    assert 0 < narrowed < everything
    page.select_option("#row1", "type")
    page.select_option("#col1", "pref")
    page.get_by_role("button", name="集計する").click()
    page.wait_for_url(re.compile(r"row1=type&col1=pref"))
    assert "region=" in page.url
    assert page.locator(".crosstab h3").first.inner_text().startswith("類型")
    page.get_by_role("link", name="一覧", exact=True).click()
    page.wait_for_url(re.compile(r"/cases/\?region="))
    context.close()
