"""The production server path: gunicorn with kokudo/gunicorn.py, preloading the app and building
the facet index in the master (when_ready) before forking workers that then serve pages."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import oracles
from tests.prerequisites import require

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback, http)
        return response.status, response.read().decode()


@pytest.fixture
def catalogue_database(tmp_path):
    """A database file that the server's processes can open (the test database is in memory)."""
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput"], ["load_catalogue"]):
        subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return env


def test_gunicorn_preloads_the_index_and_serves_pages(catalogue_database, tmp_path):
    require(importlib.util.find_spec("gunicorn"), "gunicorn is not installed: pip install gunicorn")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 (the venv's gunicorn, fixed arguments)
            [sys.executable, "-m", "gunicorn", "kokudo.wsgi", "-c", "python:kokudo.gunicorn",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "info"],
            cwd=ROOT, env={**catalogue_database, "WEB_CONCURRENCY": "2"},
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()  # when_ready failing stops gunicorn
            try:
                status, body = fetch(f"{base}/cases/?format=json")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        assert status == 200
        assert oracles.read_browse(json.loads(body)).count == len(oracles.published_yaml_cases())
        status, body = fetch(f"{base}/cases/meets/")
        assert status == 200
        assert "ミーツ株式会社" in body
        # Both workers answer (each with the index built in the master before the fork).
        for _ in range(6):
            assert fetch(f"{base}/")[0] == 200
        text = log.read_text()
        assert "Booting worker" in text
        assert "Traceback" not in text, text
    finally:
        server.terminate()
        server.wait(timeout=30)
