"""Requests that arrive together right after a change all answer from the changed catalogue.

Whether the index is built once or several times under such a burst is r1's (the race itself);
this holds the answers right, whatever the building does.
"""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from cases.models import Case
from tests import oracles

# Other threads need to see the change: it must be committed, hence a transactional test (which
# empties the database when it ends, so conftest runs it after the others).
pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def test_a_burst_of_requests_after_a_change_agrees_with_the_oracle():
    if not Case.objects.exists():
        call_command("load_catalogue", stdout=io.StringIO())
    Client().get("/cases/", {"format": "json"})  # an index of the catalogue as it was
    case = Case.objects.get(slug="meets")
    case.status = Case.Status.DRAFT
    case.save()
    expected = oracles.expected_counts(oracles.table_facets(), [])

    start = threading.Barrier(THREADS)
    answers, errors = [], []

    def ask():
        try:
            start.wait(timeout=30)
            answers.append(oracles.browse(Client()))
        except Exception as error:  # reported below, with the other threads' answers
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(answers) == THREADS
    for answer in answers:
        assert answer.count == len(oracles.published_yaml_cases()) - 1
        assert {p: o for p, o in answer.counts.items() if o} == expected
