"""A run told to expect PostgreSQL (or Redis) stops at once when it would get something else."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(**env):
    """Collect one small test module in a fresh pytest; env values of None are unset."""
    unset = {"CI", "EXPECT_DB", "EXPECT_CACHE", "DATABASE_URL", "REDIS_URL"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment.update({key: value for key, value in env.items() if value is not None})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/cases/test_security.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EXPECT_DB": "postgresql", "DATABASE_URL": "sqlite:///unused.sqlite3"}, "EXPECT_DB"),
        ({"EXPECT_CACHE": "redis"}, "EXPECT_CACHE"),
        ({"CI": "true"}, "must set EXPECT_DB"),
    ],
    ids=["database", "cache", "ci-unset"],
)
def test_a_run_on_the_wrong_backend_stops(env, message):
    result = run_pytest(**env)
    assert result.returncode == 4, result.stdout + result.stderr
    assert message in result.stdout + result.stderr


def test_a_run_on_the_expected_backend_goes_on():
    result = run_pytest(CI="true", EXPECT_DB="sqlite", EXPECT_CACHE="locmem")
    assert result.returncode == 0, result.stdout + result.stderr
