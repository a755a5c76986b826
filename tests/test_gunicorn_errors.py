"""Requests gunicorn refuses before the app sees them are answered as problem documents, and
gunicorn's log names the caller's network, not its address."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(folder), DATABASE_URL=f"sqlite:///{folder / 'app.db'}")
    log = folder / "gunicorn.log"
    server = subprocess.Popen(
        [BIN / "gunicorn", "--no-control-socket", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "coalition.gunicorn_workers.ProblemSyncWorker", "--error-logfile", str(log),
         "coalition.wsgi:app"], env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.2)
    yield port, log
    server.terminate()
    server.wait(timeout=10)


def raw_request(port: int, data: bytes) -> tuple[str, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}, body


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nA header without a colon\r\n\r\n", 400),
])
def test_requests_gunicorn_refuses_are_answered_as_problems(served, request_bytes, status):
    port, log = served
    status_line, headers, body = raw_request(port, request_bytes)
    assert status_line.startswith(f"HTTP/1.1 {status} ")
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "ip=127.0.0.0/24" in log.read_text() and "ip=127.0.0.1:" not in log.read_text()


def test_requests_gunicorn_passes_on_are_answered_by_the_app(served):
    port, _log = served
    status_line, headers, body = raw_request(port, b"GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n"
                                                   b"Connection: close\r\n\r\n")
    assert status_line.startswith("HTTP/1.1 404 ")
    assert headers["content-type"] == "application/problem+json"
