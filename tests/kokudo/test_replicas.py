"""Reads from a real streaming replica (scripts/replica.sh), writes and the admin on the primary.

Run with REPLICA_DATABASE_URL set (CI does: `.ci/run` starts the replica and runs `-m replica`).
Replication is cluster-wide, so the test database that pytest creates on the primary streams to
the replica by itself; these tests point the replica alias, which Django mirrors to the primary
during tests, back at the real replica.
"""

import io
import os
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from multidb.pinning import use_primary_db

from cases.models import Case

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", "replica"]
    ),
]

if not os.environ.get("REPLICA_DATABASE_URL"):
    if os.environ.get("EXPECT_REPLICA"):
        raise RuntimeError("EXPECT_REPLICA is set but REPLICA_DATABASE_URL is not")
    pytest.skip("REPLICA_DATABASE_URL is not set (see scripts/replica.sh)", allow_module_level=True)


def sql(alias, query):
    with connections[alias].cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def wait_for_replay(timeout=10.0):
    """Return once the replica has replayed everything the primary has written."""
    target = sql("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sql("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not replay up to {target} within {timeout} s")


@pytest.fixture
def replica():
    """Point the `replica` alias at the real replica, on the test database's name."""
    connection = connections["replica"]
    saved = dict(connection.settings_dict)
    real = settings.DATABASES["replica"]
    connection.close()
    connection.settings_dict.update(
        HOST=real["HOST"], PORT=real["PORT"], NAME=connections["default"].settings_dict["NAME"]
    )
    assert sql("replica", "SELECT pg_is_in_recovery()"), "the replica alias is not a standby"
    # Transactional tests flush the database after each test (serialized_rollback restores what
    # the migrations made, the 編集者 group): load the catalogue for this one.
    if not Case.objects.using("default").exists():
        with use_primary_db:
            call_command("load_catalogue", stdout=io.StringIO())
    wait_for_replay()
    yield connection
    sql("replica", "SELECT pg_wal_replay_resume()::text")
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.fixture
def editor():
    user = User.objects.create_user("replica-editor", password="pw-editor-1234", is_staff=True)
    user.groups.add(Group.objects.get(name="編集者"))
    client = Client()
    client.force_login(user)
    return client


def test_public_pages_read_from_the_replica_and_the_admin_from_the_primary(replica, editor):
    with CaptureQueriesContext(replica) as on_replica:
        assert Client().get(reverse("cases:case_list")).status_code == 200
    assert on_replica.captured_queries, "the browse page read nothing from the replica"
    with CaptureQueriesContext(replica) as on_replica:
        assert editor.get(reverse("admin:cases_case_changelist")).status_code == 200
    assert not on_replica.captured_queries, "the admin read from the replica"


def test_a_save_in_the_admin_reaches_readers_once_replicated_and_its_editor_at_once(
    replica, editor
):
    case = Case.objects.get(slug="meets")
    # Awaiting review (cases.review): the editor's bulk action publishes it.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.REVIEW)
    case.refresh_index()
    wait_for_replay()
    page = reverse("cases:case_detail", kwargs={"slug": "meets"})
    assert Client().get(page).status_code == 404

    # Hold the replica's replay, so it keeps serving the state before the editor's save.
    sql("replica", "SELECT pg_wal_replay_pause()::text")
    response = editor.post(
        reverse("admin:cases_case_changelist"),
        {"action": "publish", "_selected_action": [case.pk]},
    )
    assert response.status_code == 302
    assert settings.MULTIDB_PINNING_COOKIE in response.cookies

    assert editor.get(page).status_code == 200, "the editor who saved must see the case at once"
    assert Client().get(page).status_code == 404, "a reader was not served by the replica"

    sql("replica", "SELECT pg_wal_replay_resume()::text")
    wait_for_replay()
    assert Client().get(page).status_code == 200
