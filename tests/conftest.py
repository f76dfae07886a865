import io
import os
import secrets

import pytest
from django.core.cache import cache
from django.core.management import call_command
from multidb.pinning import use_primary_db

# What the run is meant to test on (set by .ci/run): a PostgreSQL run that silently fell back to
# SQLite would skip every PostgreSQL-only test and still pass.
EXPECTED_DATABASE = os.environ.get("EXPECT_DB", "")  # sqlite | postgresql
EXPECTED_CACHE = os.environ.get("EXPECT_CACHE", "")  # locmem | redis
CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
}


def pytest_sessionstart(session):
    """Stop before the first test if the database or cache is not the one the run expects."""
    from django.conf import settings
    from django.db import connection

    if os.environ.get("CI") and not (EXPECTED_DATABASE and EXPECTED_CACHE):
        pytest.exit("CI runs must set EXPECT_DB and EXPECT_CACHE (see .ci/run)", returncode=4)
    if EXPECTED_DATABASE and connection.vendor != EXPECTED_DATABASE:
        pytest.exit(
            f"EXPECT_DB={EXPECTED_DATABASE}, but the tests would run on {connection.vendor} "
            f"(DATABASE_URL={os.environ.get('DATABASE_URL', 'unset')!r})",
            returncode=4,
        )
    if EXPECTED_CACHE:
        backend = settings.CACHES["default"]["BACKEND"]
        if backend != CACHE_BACKENDS.get(EXPECTED_CACHE):
            pytest.exit(f"EXPECT_CACHE={EXPECTED_CACHE}, but the cache is {backend}", returncode=4)
        # The cache must answer, not just be configured: a write read back.
        cache.set("kokudo-test-session-probe", "ok", 30)
        if cache.get("kokudo-test-session-probe") != "ok":
            pytest.exit(
                f"EXPECT_CACHE={EXPECTED_CACHE}, but the cache does not answer", returncode=4
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the curated catalogue once into the test database; each test rolls back on top."""
    # On the primary, as manage.py runs it (it matters only with a replica configured).
    with django_db_blocker.unblock(), use_primary_db:
        call_command("load_catalogue", stdout=io.StringIO())


def pytest_collection_modifyitems(items):
    # Browser tests use a live server, and other transactional tests commit: the database flush
    # after each would empty the shared catalogue for the tests after them. Run them last.
    def flushes(item):
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction"))

    items.sort(key=lambda item: item.get_closest_marker("browser") is not None or flushes(item))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: pages cached by one test must not serve another."""
    cache.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Draw a new Hypothesis seed for each run, unless one is given, so that CI explores new
    examples every time and any run can be replayed with --hypothesis-seed."""
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(secrets.randbelow(2**32))


def pytest_report_header(config):
    return f"hypothesis seed: {config.option.hypothesis_seed}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if exitstatus:
        terminalreporter.write_line(
            f"To replay the generated examples: pytest --hypothesis-seed="
            f"{config.option.hypothesis_seed} ..."
        )
