"""Faults on purpose: a Redis server of the test's own (stopped, frozen, restarted) and an app on it.

The app shares the suite's PostgreSQL database and commits for real, as a deployment does; the
fixture empties every table afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from coalition.db import Base
from coalition.extensions import db
from tests.conftest import make_test_app

PORTS = range(6391, 6400)
# The fault app's database connections carry this name, so a test can terminate only them.
APPLICATION_NAME = "coalition-fault-test"


class RedisServer:
    """A redis-server process on a port of 6391-6399, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 6391-6399 for a test Redis")


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_app(_app, backend, own_redis, tmp_path):
    """An app on the suite's database and on `own_redis`, committing for real."""
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    url = os.environ["TEST_DATABASE_URL"]
    url += ("&" if "?" in url else "?") + f"application_name={APPLICATION_NAME}"
    app = make_test_app(backend, database_url=url, redis_url=own_redis.url, instance_path=tmp_path / "instance")
    with app.app_context():
        db.session.remove()
        try:
            yield app
        finally:
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()
