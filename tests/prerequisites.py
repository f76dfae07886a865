"""What a test needs from the machine: skipped with a message locally, a failure in CI."""

import os

import pytest


def require(condition, reason):
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)
