"""The Procfile's gunicorn: its worker count, and logs without full addresses or forged lines."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from coalition.logsafe import safe_line

ROOT = Path(__file__).resolve().parents[1]


def test_a_log_line_keeps_no_full_address_and_cannot_be_split():
    assert safe_line("Invalid request from ip=203.0.113.77: Invalid HTTP method") == \
        "Invalid request from ip=203.0.113.0/24: Invalid HTTP method"
    assert safe_line("from 2001:db8:85a3::8a2e:370:7334 at 10:42:07") == "from 2001:db8:85a3::/48 at 10:42:07"
    assert safe_line("client_id=evil\r\n[ERROR] forged\x1b[31m\u2028") == \
        "client_id=evil\\r\\n[ERROR] forged\\x1b[31m\\u2028"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn started as the Procfile starts it (WEB_CONCURRENCY unset), on a migrated SQLite."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("WEB_CONCURRENCY", "REDIS_URL", "DATABASE_URL")}
    env.update(PORT=str(port), INSTANCE_PATH=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'coalition.db'}")
    subprocess.run([sys.executable, "-m", "coalition.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    procfile = (ROOT / "Procfile").read_text().splitlines()
    [web] = [line.removeprefix("web:").split() for line in procfile if line.startswith("web:")]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([str(Path(sys.executable).with_name(web[0])), *web[1:]], cwd=ROOT, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port, server, log
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_procfile_web_runs_two_workers_and_logs_no_full_address_nor_forged_line(gunicorn):
    port, server, log = gunicorn
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(b"NOT/A METHOD\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "evil\r\n[ERROR] forged",
                                   "client_secret": "wrong"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/oauth/token", data=form, timeout=10)
    assert refused.value.code in (400, 401), refused.value.read()
    time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    lines = log.read_text().splitlines()

    assert sum("Booting worker" in line for line in lines) == 2, lines
    assert any("Invalid request from ip=127.0.0.0/24" in line for line in lines), lines
    assert not any("127.0.0.1" in line for line in lines), lines
    assert any("client_id=evil\\r\\n[ERROR] forged" in line for line in lines), lines
    assert not any(line.startswith("[ERROR] forged") for line in lines), lines
