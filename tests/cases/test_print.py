"""Case sheets on paper and the citation block, in a real Chromium (print media, PDF, axe)."""

import re
import shutil
import subprocess

import pytest

from cases.citations import figure_citation
from cases.models import Case, KeyFigure
from tests.cases import test_browser
from tests.cases.test_browser import ARTIFACTS, check_accessibility, screenshot

# The browser tests' fixtures: one Chromium per module, the catalogue on a live server.
browser = test_browser.browser
site = test_browser.site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# fixtures/cases/ina-city.yaml
SHEET = "ina-city"


def pdf_pages(pdf):
    """The page boxes of a PDF Chromium wrote (its page objects are not compressed)."""
    return [
        tuple(float(n) for n in box.split())
        for box in re.findall(rb"/MediaBox\s*\[([\d.\s]+)\]", pdf)
        for box in [box.decode()]
    ]


def test_case_sheet_in_print_media(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.emulate_media(media="print")
    page.goto(f"{site}/cases/{SHEET}/")

    for selector in ("h1", "#places-title", "#actors-title", "#funding-title", "#figures-title"):
        assert page.locator(selector).is_visible(), selector
    assert page.locator(".case__badges .badge").first.is_visible()  # 類型
    assert page.locator(".lead").is_visible()  # summary
    assert page.locator("#sources-title").is_visible()
    assert page.locator(".source .cite-line").first.is_visible()  # the citation line as text
    source = page.locator(".print-source")
    assert source.is_visible()
    assert f"{site}/cases/{SHEET}/" in source.inner_text()
    assert re.search(r"印刷日：\d{4}年\d{1,2}月\d{1,2}日", source.inner_text())

    for selector in (".site-header", ".site-footer", ".breadcrumbs", "#description-title"):
        assert not page.locator(selector).is_visible(), selector
    assert page.locator("button:visible").count() == 0
    assert page.locator("input:visible").count() == 0
    assert not page.locator(".cite-downloads").is_visible()

    # Rows do not split across pages; table headers repeat on each page.
    assert page.locator("tbody tr").first.evaluate("e => getComputedStyle(e).breakInside") == (
        "avoid"
    )
    assert page.locator("thead").first.evaluate("e => getComputedStyle(e).display") == (
        "table-header-group"
    )

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / f"{SHEET}-sheet.pdf"), prefer_css_page_size=True)
    boxes = pdf_pages(pdf)
    assert 1 <= len(boxes) <= 2, f"{len(boxes)} pages"
    width, height = boxes[0][2:]
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    # The PDF as pictures, to look at (poppler-utils; skipped where it is not installed).
    if pdftoppm := shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603 (fixed arguments)
            [
                pdftoppm,
                "-png",
                "-r",
                "80",
                str(ARTIFACTS / f"{SHEET}-sheet.pdf"),
                str(ARTIFACTS / f"{SHEET}-sheet"),
            ],
            check=True,
        )
    page.close()


def test_links_print_their_target(browser, site):
    page = browser.new_page()
    page.emulate_media(media="print")
    page.goto(f"{site}/terms/")
    link = page.locator("main li a").first
    after = link.evaluate("e => getComputedStyle(e, '::after').content")
    assert link.get_attribute("href") in after
    page.close()


def test_comparison_prints_in_landscape_with_cases_as_columns(browser, site):
    slugs = list(Case.objects.published().order_by("slug").values_list("slug", flat=True)[:3])
    page = browser.new_page()
    page.emulate_media(media="print")
    page.goto(f"{site}/compare/?" + "&".join(f"case={slug}" for slug in slugs))
    assert page.locator(".compare-table thead th").count() == 3
    assert not page.locator(".compare-add").is_visible()
    boxes = pdf_pages(page.pdf(prefer_css_page_size=True))
    width, height = boxes[0][2:]
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_citation_block_on_screen(browser, site, width):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.goto(f"{site}/cases/{SHEET}/")
    block = page.locator(".cite-block")
    assert block.get_by_role("link", name="BibTeX").get_attribute("href") == (
        f"/cases/{SHEET}/cite.bib"
    )
    assert page.locator("#cite-page").inner_text() == (
        f"国土事例カタログ「{Case.objects.get(slug=SHEET).title}」{site}/cases/{SHEET}/"
    )
    figure = KeyFigure.objects.filter(case__slug=SHEET).select_related("source").first()
    row = page.locator(f"#cite-figure-{figure.pk}")
    assert row.text_content() == figure_citation(figure)  # folded: read, not shown
    if width == 1280:
        # Folded under the figure's source until asked for, so the table keeps its columns.
        assert not row.is_visible()
        row.locator("xpath=ancestor::details/summary").click()
        page.locator(f"[data-copy='cite-figure-{figure.pk}']").click()
        page.get_by_role("button", name="コピーしました").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == figure_citation(figure)
    check_accessibility(page)
    block.scroll_into_view_if_needed()
    screenshot(page, f"detail-cite-{width}")
    block.screenshot(path=str(ARTIFACTS / f"cite-block-{width}.png"))
    page.goto(f"{site}/terms/")
    check_accessibility(page)
    context.close()
