# The browser fixtures live with the first browser tests; other browser test modules use them too.
from tests.cases.test_browser import browser, csp_violations, site  # noqa: F401
