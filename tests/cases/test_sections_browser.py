"""Sections in a real Chromium: the admin's choice of a row's section, and a case page's
citations with number, heading and page."""

import pytest
from django.urls import reverse

from cases.models import Case
from tests import oracles
from tests.cases.test_admin_browser import PASSWORD, log_in, page_overflow
from tests.cases.test_browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor(site):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("editor", password=PASSWORD)


@pytest.mark.parametrize("width", [1280, 375])
def test_a_citation_picks_its_section_from_its_documents_list(browser, site, editor, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, site, editor)
    case = Case.objects.get(slug="ina-city")
    page.goto(f"{site}{reverse('admin:cases_case_change', args=[case.pk])}")
    page.locator("#citations-group summary").first.click()
    select = page.locator("select[name='citations-0-section']")
    # Reached and changed by keyboard: the section is a plain select, grouped by document.
    select.focus()
    first = case.citations.order_by("position", "id").first()
    assert select.input_value() == str(first.section_id)
    groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert "2025年 地域生活圏 とりまとめ報告書（案）" in groups
    # With the script, only the row's document's sections are offered.
    shown = select.locator("optgroup:not([hidden])").evaluate_all("gs => gs.map(g => g.label)")
    assert shown == [first.source.short_title]
    if width == 1280:
        assert page_overflow(page) == 0
    check_accessibility(page, exclude=[".select2-container"])
    page.locator("#citations-group").screenshot(
        path=str(screenshot_dir() / f"admin-citations-inline-{width}.png")
    )
    screenshot(page, f"admin-sections-{width}")
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_case_page_cites_sections_with_heading_and_page(browser, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site}{reverse('cases:case_detail', args=['meets'])}")
    block = page.locator("section[aria-labelledby='sources-title']")
    text = block.inner_text()
    for row in oracles.yaml_cases()["meets"]["citations"]:
        assert f"箇所：{oracles.yaml_section_display(row)}" in text
    assert page_overflow(page) == 0
    check_accessibility(page)
    block.screenshot(path=str(screenshot_dir() / f"case-citations-meets-{width}.png"))
    page.close()


def screenshot_dir():
    from tests.cases.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
