"""The case change form in a real Chromium: it must fit the window, and be usable by keyboard."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from cases.models import Case
from tests.cases.test_browser import check_accessibility, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-editor-1234"  # a throwaway account in the test database


@pytest.fixture
def editor(site):
    # A live-server test's flush also empties the groups a migration made: the editors' own
    # permissions are tested without a browser (test_admin.py).
    return User.objects.create_superuser("editor", password=PASSWORD)


def log_in(page, site, user):
    page.goto(f"{site}{reverse('admin:login')}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{site}{reverse('admin:index')}")


def page_overflow(page):
    """How many CSS pixels the page is wider than its window (0: no horizontal scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 1024])
def test_ina_case_form_fits_the_window(browser, site, editor, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    log_in(page, site, editor)
    case = Case.objects.get(slug="ina-city")
    page.goto(f"{site}{reverse('admin:cases_case_change', args=[case.pk])}")
    measured = page.evaluate(
        "({width: document.documentElement.scrollWidth,"
        " height: document.documentElement.scrollHeight})"
    )
    print(f"ina-city change form at {width}px: {measured}")  # the figure the report quotes
    assert page_overflow(page) == 0

    # Every section opens by keyboard: tab from the last field of the case to the first
    # section's summary and press Enter.
    page.locator("#id_editor_note").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#citations-group summary')"):
            break
    else:
        pytest.fail("the sources section's summary is not reachable by Tab")
    page.keyboard.press("Enter")
    assert page.locator("#citations-group details").get_attribute("open") is not None

    # Open, every section still fits.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    opened = page.evaluate("document.documentElement.scrollHeight")
    print(f"ina-city change form at {width}px, every section open: {opened}px tall")
    assert page_overflow(page) == 0
    # Django's autocomplete widget is select2's, whose own markup axe faults (an unlabelled
    # search box, a list holding a non-item); the rest of the form is held to no violation.
    check_accessibility(page, exclude=[".select2-container"])
    screenshot(page, f"admin-case-form-{width}")
    page.close()


def test_case_history_page_is_accessible(browser, site, editor):
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    log_in(page, site, editor)
    case = Case.objects.get(slug="ina-city")
    page.goto(f"{site}{reverse('admin:cases_case_history', args=[case.pk])}")
    assert page_overflow(page) == 0
    check_accessibility(page)
    page.close()
