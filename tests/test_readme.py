"""The README's walkthrough runs as written: its "Getting started, by role" commands, against
the demo coalition served by gunicorn as `scripts/run` serves it (on a port of the test's own).

Every curl call must succeed (a wrapper adds --fail-with-body), so an example that answers an
error fails here. The commands run in a temporary folder on a SQLite database the test creates.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BIN = Path(sys.executable).parent


def walkthrough() -> str:
    """The shell blocks of the README's "Getting started, by role" section, in order."""
    text = README.read_text()
    section = text.split("## Getting started, by role", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 4, "the walkthrough lost its examples"
    return "\n".join(blocks)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served_demo(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "TRUSTED_PROXIES")}
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
               PORT=str(port), RATELIMIT_ENABLED="false", LANG="C")
    (tmp_path / "instance").mkdir()
    subprocess.run([BIN / "coalition", "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = subprocess.run([BIN / "coalition", "demo"], env=env, check=True, capture_output=True, text=True)
    server = subprocess.Popen(
        [BIN / "gunicorn", "--no-control-socket", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "coalition.gunicorn_workers.ProblemSyncWorker", "coalition.wsgi:app"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, demo.stdout, tmp_path
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_readme_walkthrough_runs_as_written(served_demo):
    port, demo_output, folder = served_demo
    assert f"http://127.0.0.1:{port}/oauth/token" in demo_output
    script = walkthrough().replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'
    result = subprocess.run(["bash", "-c", prelude + script], cwd=folder, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (folder / "actions.xlsx").stat().st_size > 0
    assert (folder / "actions.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"<xliff" in (folder / "de.xlf").read_bytes()
