import shutil
from pathlib import Path

import pytest
from django.conf import settings

# The browser fixtures live with the first browser tests; other browser test modules use them too.
from tests.cases.test_browser import browser, csp_violations, site  # noqa: F401


@pytest.fixture
def fixtures_copy(tmp_path):
    """A copy of the curated fixture files to break or edit; the originals stay as they are."""
    target = tmp_path / "fixtures"
    shutil.copytree(Path(settings.CATALOGUE_FIXTURES_DIR), target)
    return target
