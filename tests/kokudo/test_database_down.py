"""While the database cannot be reached: a 503 maintenance page, /healthz up, /readyz down."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

from cases.facets import index as facet_index

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_port():
    """A local port bound but not listening: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def unreachable_database(port):
    """Point the default connection at a PostgreSQL server that is not there."""
    original = connections["default"]
    unreachable = DatabaseWrapper(
        {
            **original.settings_dict,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "kokudo_unreachable",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "OPTIONS": {"connect_timeout": 2},
        },
        alias="default",
    )
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = original


@pytest.fixture
def database_down(db, closed_port):
    with unreachable_database(closed_port):
        yield


@pytest.mark.parametrize("url", ["/", "/cases/", "/cases/meets/", "/organizations/x/"])
def test_pages_answer_503_with_the_maintenance_page(client, database_down, url):
    response = client.get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "メンテナンス中" in body
    assert 'class="site-header"' in body


def test_admin_answers_503_too(admin_user, client, database_down):
    response = client.post("/admin/login/", {"username": "admin", "password": "x"})
    assert response.status_code == 503


def test_health_stays_up_and_readiness_goes_down(client, database_down):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "unreachable"


def test_the_index_is_built_once_the_database_is_back(client, db, closed_port, monkeypatch):
    # As in a process started while the database was away (kokudo.gunicorn.when_ready).
    monkeypatch.setattr(facet_index, "_current", None)
    with unreachable_database(closed_port):
        assert client.get("/readyz").status_code == 503
        assert client.get("/cases/").status_code == 503
    assert facet_index._current is None
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["cases"] > 0
    assert facet_index._current is not None
    assert client.get("/cases/").status_code == 200


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_gunicorn_starts_without_the_database_and_serves_the_maintenance_page(closed_port):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/kokudo_unreachable",
        # Development settings serve static files without a collectstatic manifest.
        "DEBUG": "1",
        "WEB_CONCURRENCY": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "kokudo.wsgi", "-c", "python:kokudo.gunicorn"]
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
            try:
                status, _, _ = get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /healthz within 20 s")
        assert status == 200
        status, headers, body = get(f"{base}/cases/")
        assert status == 503
        assert headers["Retry-After"]
        assert "メンテナンス中" in body
        assert get(f"{base}/readyz")[0] == 503
    finally:
        server.terminate()
        server.wait(timeout=30)
