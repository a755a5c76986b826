"""A built package as a deployment meets it: the sdist and the wheel built from it, installed into
a fresh virtual environment outside the checkout, every command run from an empty directory."""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, form: str | None = None):
    data = json.dumps(body).encode() if body is not None else form.encode() if form else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def redis_url():
    """A Redis of this test's own, so the worker sees only the jobs of the installed package."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The sdist and wheel of the checkout, the wheel installed into a new venv; the path of the venv."""
    work = tmp_path_factory.mktemp("package")
    subprocess.run([str(ROOT / "scripts" / "build"), str(work / "dist")], check=True, capture_output=True)
    assert sorted(path.suffix for path in (work / "dist").iterdir()) == [".gz", ".whl"]
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheel = next((work / "dist").glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "-c", str(ROOT / "constraints.txt"), str(wheel)], check=True, capture_output=True)
    return venv


def test_the_built_package_runs_from_an_empty_directory(installed, redis_url, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    env = {"PATH": f"{installed / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path), "REDIS_URL": redis_url,
           "PORT": str(port), "LANG": "de_DE.UTF-8"}

    def coalition(*args: str) -> str:
        result = subprocess.run([str(installed / "bin" / "coalition"), *args], cwd=empty, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert coalition("db", "upgrade") == "Datenbank auf Revision head.\n"
    coalition("demo")
    # The database lies in the default instance folder, beside the venv, not in site-packages.
    assert (installed / "var" / "coalition-instance" / "coalition.db").is_file()

    web_command = re.search(r"^web: (.+)$", (ROOT / "Procfile").read_text(), re.MULTILINE).group(1)
    web = subprocess.Popen(["bash", "-c", f"exec {web_command}"], cwd=empty, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        status, headers, body = http("GET", f"{base}/api/v1/nope", headers={"Accept-Language": "de-AT"})
        assert (status, headers["Content-Language"], json.loads(body)["title"]) == (404, "de", "Nicht gefunden")
        status, headers, body = http("GET", f"{base}/api/v1/nope", headers={"Accept-Language": "ga"})
        assert (status, headers["Content-Language"]) == (404, "ga")
        assert json.loads(body)["title"] != "Not found"

        basic = base64.b64encode(b"demo-coordinator:demo-coordinator-secret").decode()
        status, _headers, body = http("POST", f"{base}/oauth/token", form="grant_type=client_credentials",
                                      headers={"Authorization": f"Basic {basic}",
                                               "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        bearer = {"Authorization": f"Bearer {json.loads(body)['access_token']}"}
        status, _headers, body = http("POST", f"{base}/api/v1/exports", headers=bearer, body={
            "campaign": "reclaim-your-face", "dataset": "actions", "format": "csv"})
        assert status == 202, body
        export = json.loads(body)
        assert export["status"] == "queued"

        coalition("worker", "--burst")
        status, _headers, body = http("GET", f"{base}/api/v1/exports/{export['id']}", headers=bearer)
        assert json.loads(body)["status"] == "finished", body
        status, _headers, body = http("GET", f"{base}/api/v1/exports/{export['id']}/download", headers=bearer)
        assert status == 200 and body.startswith(b"id,")
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        _out, errors = web.communicate(timeout=30)
    assert list(empty.iterdir()) == [], "nothing is written to the working directory"
    assert b"Traceback" not in errors, errors.decode()
