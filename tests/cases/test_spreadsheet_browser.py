"""The spreadsheet import in a real Chromium: the form, the preview and the errors, with axe."""

import pytest
import tablib
from django.contrib.auth.models import User
from django.urls import reverse

from cases import spreadsheet
from cases.models import KeyFigure
from tests.cases.test_admin_browser import PASSWORD, log_in, page_overflow
from tests.cases.test_browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor(site):
    # A live-server test's flush empties the 編集者 group: its permissions are tested in
    # test_spreadsheet.py; here the pages themselves.
    return User.objects.create_superuser("editor", password=PASSWORD)


def figures_file(tmp_path, name, change):
    figures = spreadsheet.KeyFigureResource().export(
        KeyFigure.objects.filter(case__slug="meets").order_by("position")
    )
    rows = [dict(zip(figures.headers, row, strict=True)) for row in figures]
    change(rows)
    data = tablib.Dataset(*[[row[h] for h in figures.headers] for row in rows])
    data.headers = figures.headers
    path = tmp_path / name
    path.write_text(data.export("csv"), encoding="utf-8-sig")
    return path


def upload(page, site, path):
    page.goto(f"{site}{reverse('admin:cases_keyfigure_import')}")
    page.locator("#id_import_file").set_input_files(str(path))
    page.locator("#id_format").select_option(label="csv")
    # Wait for the answer: the assertions must read the preview, not the page being left.
    with page.expect_navigation():
        page.locator("input[type=submit]").click()


def look(page, name):
    assert page_overflow(page) == 0
    check_accessibility(page)
    screenshot(page, name)


def test_import_form_preview_and_errors(browser, site, editor, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, site, editor)
    page.goto(f"{site}{reverse('admin:cases_keyfigure_import')}")
    look(page, "spreadsheet-import-form-1280")

    def relabel(rows):
        rows[0]["label"] += "（取込試験）"

    upload(page, site, figures_file(tmp_path, "good.csv", relabel))
    assert page.locator("input[name=confirm]").is_visible()
    assert page.locator("tr.update").count() == 1
    look(page, "spreadsheet-import-preview-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "spreadsheet-import-preview-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("input[name=confirm]").click()
    page.wait_for_url(f"{site}{reverse('admin:cases_keyfigure_changelist')}")
    assert KeyFigure.objects.filter(label__endswith="（取込試験）").count() == 1

    def unknown_source(rows):
        rows[1]["source"] = "no-such-report"

    upload(page, site, figures_file(tmp_path, "bad.csv", unknown_source))
    assert "3行目 列「source」" in page.locator(".errorlist").first.inner_text()
    assert page.locator("input[name=confirm]").count() == 0
    look(page, "spreadsheet-import-error-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "spreadsheet-import-error-375")
    page.close()
