import io

import pytest
from django.core.cache import caches
from django.core.management import call_command
from multidb.pinning import use_primary_db


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the curated catalogue once into the test database; each test rolls back on top."""
    # On the primary, as manage.py runs it (it matters only with a replica configured).
    with django_db_blocker.unblock(), use_primary_db:
        call_command("load_catalogue", stdout=io.StringIO())


def pytest_collection_modifyitems(items):
    # Browser tests use a live server, whose database flush would empty the shared catalogue
    # for the tests after them: run them last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: pages cached by one test must not serve another."""
    for cache in caches.all(initialized_only=False):
        cache.clear()
