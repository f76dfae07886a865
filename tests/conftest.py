import hashlib
import io
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache, caches
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


# Mutation runs only (scripts/mutate_module.py sets it): a directory where the test database and
# the digest of the catalogue it holds are kept from one pytest session to the next. mutmut starts
# a session per mutant; creating the database and loading the catalogue each time cost most of a
# mutant. Unset (make test, CI), every session builds its database afresh as before.
MUTATION_DB_DIR = os.environ.get("KOKUDO_MUTATION_DB_DIR", "")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """In a mutation run, keep the SQLite test database in a file that --reuse-db can reuse."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    if MUTATION_DB_DIR and default["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(MUTATION_DB_DIR) / "test-db.sqlite3"
        recorded = digest_file("sqlite")
        if recorded.exists() and recorded.read_text() != catalogue_digest():
            name.unlink(missing_ok=True)  # another catalogue: start from an empty database
        default.setdefault("TEST", {})["NAME"] = str(name)


def digest_file(vendor):
    return Path(MUTATION_DB_DIR) / f"test-db.{vendor}.digest"


def catalogue_digest():
    """A digest of what the loaded catalogue depends on: the fixtures and the code of cases/."""
    from django.conf import settings

    digest = hashlib.sha256()
    for root in (Path(settings.CATALOGUE_FIXTURES_DIR), Path(settings.BASE_DIR) / "cases"):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".yaml", ".py"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def catalogue_still_loaded(recorded, digest):
    """True if the reused database holds the catalogue of this digest, loaded in full.

    The case count guards against a database emptied since (a transactional test's flush).
    """
    from django.conf import settings

    from cases.models import Case

    if not recorded.exists() or recorded.read_text() != digest:
        return False
    yaml_cases = len(list(Path(settings.CATALOGUE_FIXTURES_DIR, "cases").glob("*.yaml")))
    return Case.objects.count() == yaml_cases


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the curated catalogue once into the test database; each test rolls back on top."""
    from django.db import connection

    # On the primary, as manage.py runs it (it matters only with a replica configured).
    with django_db_blocker.unblock(), use_primary_db:
        if not MUTATION_DB_DIR:
            call_command("load_catalogue", stdout=io.StringIO())
            return
        recorded, digest = digest_file(connection.vendor), catalogue_digest()
        if catalogue_still_loaded(recorded, digest):
            return
        recorded.unlink(missing_ok=True)
        # --prune: a kept PostgreSQL database may hold cases of an older catalogue.
        with unmutated():
            call_command("load_catalogue", "--prune", stdout=io.StringIO())
        recorded.write_text(digest)


@contextmanager
def unmutated():
    """Run the enclosed code as mutmut's clean run would: no mutant active, no calls recorded.

    The database is kept for the sessions of later mutants, so the catalogue in it must be the
    one the unmutated code derives; and mutmut's stats must not credit the first test with the
    functions the load calls, since later sessions will not load again. (mutmut's trampolines
    read MUTANT_UNDER_TEST at each call; "" means the original code.)
    """
    saved = os.environ.get("MUTANT_UNDER_TEST")
    os.environ["MUTANT_UNDER_TEST"] = ""
    try:
        yield
    finally:
        if saved is None:
            del os.environ["MUTANT_UNDER_TEST"]
        else:
            os.environ["MUTANT_UNDER_TEST"] = saved


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
    for each in caches.all(initialized_only=False):
        each.clear()


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
