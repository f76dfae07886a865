"""The 関係主体 facet in a real Chromium: by keyboard, with and without JavaScript, axe clean."""

import re

import pytest
from playwright.sync_api import expect

from tests import oracles
from tests.cases.test_browser import ARTIFACTS, check_accessibility, result_count

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KDDI = "KDDI株式会社"


def cases_naming(name):
    """From the YAML files: the published cases naming the organisation as actor or funder."""
    return {
        slug
        for slug, record in oracles.published_yaml_cases().items()
        if name in [actor["organization"] for actor in record.get("actors") or []]
        or name in [row.get("provider") for row in record.get("funding") or []]
    }


def open_group(page, width):
    """Open the filters (a panel on a phone) and the 関係主体 group, by keyboard."""
    if width < 960:
        page.get_by_role("button", name=re.compile(r"^絞り込み")).focus()
        page.keyboard.press("Enter")
    summary = page.locator("#facet-organization > summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#facet-organization").get_attribute("open") is not None
    return page.locator("#facet-organization")


def shoot(group, name):
    ARTIFACTS.mkdir(exist_ok=True)
    group.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("width", [1280, 375])
def test_choose_an_organisation_by_typing_its_name(browser, site, csp_violations, width):
    page = csp_violations(browser.new_page(viewport={"width": width, "height": 900}))
    page.goto(f"{site}/cases/")
    group = open_group(page, width)
    assert group.get_by_role("checkbox").count() == 10  # the ten largest, no more
    check_accessibility(page)
    shoot(group, f"organization-facet-{width}")

    box = group.get_by_label("組織名で選ぶ")
    box.focus()
    page.keyboard.type("ｋｄｄ")  # full-width: folded as the server folds it
    # Waited for by Playwright's own checks: the page's CSP refuses a predicate's eval.
    expect(page.locator("#organization-options option")).to_have_count(1)
    suggested = page.locator("#organization-options option").evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert suggested == [KDDI]
    box.fill(KDDI)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"organization="))
    expected = cases_naming(KDDI)
    expect(page.locator("#result-count")).to_have_text(re.compile(f"^{len(expected)}件"))
    titles = page.locator(".case-card h3 a").all_inner_texts()
    assert len(titles) == len(expected)
    chip = page.locator(".active-filters .chip")
    assert chip.count() == 1
    assert KDDI in chip.inner_text()
    group = page.locator("#facet-organization")
    chosen = group.get_by_role("checkbox", name=re.compile(f"^{KDDI}"))
    assert chosen.is_checked()
    # The chosen option is reached by keyboard, and unticking it by Space clears the filter.
    chosen.focus()
    check_accessibility(page)
    shoot(group, f"organization-facet-chosen-{width}")
    page.keyboard.press("Space")
    # The history gets the canonical address (HX-Push-Url): no organisation left in it.
    page.wait_for_url(lambda url: "organization" not in url)
    assert result_count(page) > len(expected)
    page.close()
    assert csp_violations.messages == []


def test_without_javascript_the_text_box_submits_with_the_form(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/cases/?theme=transport-redesign")
    page.locator("#facet-organization > summary").click()
    page.get_by_label("組織名で選ぶ").fill("KDDI")
    page.get_by_label("組織名で選ぶ").press("Enter")
    page.wait_for_url(re.compile(r"organization=KDDI"))
    assert "theme=transport-redesign" in page.url  # the rest of the selection is kept
    with_theme = {
        slug
        for slug in cases_naming(KDDI)
        if "transport-redesign" in oracles.published_yaml_cases()[slug]["themes"]
    }
    assert 0 < len(with_theme) < len(cases_naming(KDDI))
    assert result_count(page) == len(with_theme)
    context.close()
