"""The catalogue version is read at most once a second per process, and afresh after a bump."""

import pytest

from cases import models
from cases.models import CatalogueVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def outside_transaction(monkeypatch):
    """As a request runs in production: not inside a transaction (tests always are)."""
    monkeypatch.setattr(CatalogueVersion, "inside_transaction", classmethod(lambda cls: False))
    CatalogueVersion.forget()
    yield
    CatalogueVersion.forget()


def set_token_behind_the_process(token):
    # As another process's bump looks from here: the row changes, this process is not told.
    CatalogueVersion.objects.filter(pk=1).update(token=token)


def test_the_token_is_reused_for_a_second_then_read_again(outside_transaction, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(models.time, "monotonic", lambda: now[0])
    first = CatalogueVersion.current()
    set_token_behind_the_process("elsewhere")
    now[0] += CatalogueVersion.REUSE_SECONDS / 2
    assert CatalogueVersion.current() == first
    now[0] += CatalogueVersion.REUSE_SECONDS
    assert CatalogueVersion.current() == "elsewhere"


def test_a_bump_in_this_process_is_seen_at_once(outside_transaction):
    first = CatalogueVersion.current()
    CatalogueVersion.bump()
    assert CatalogueVersion.current() != first
    assert CatalogueVersion.current() == CatalogueVersion.objects.get(pk=1).token


def test_inside_a_transaction_the_token_is_always_read():
    CatalogueVersion.current()
    set_token_behind_the_process("elsewhere")
    assert CatalogueVersion.current() == "elsewhere"
