"""Two instances as the Procfile runs them (gunicorn, migrated SQLite files), connected with the
README's commands: a national hub's figures reach the European instance."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = {"slug": "ryf", "title": "Reclaim Your Face", "kind": "eci", "status": "live",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "eci_registered_on": "2025-11-01",
            "source_locale": "en", "locales": ["en"]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("WEB_CONCURRENCY", "REDIS_URL", "DATABASE_URL", "PUBLIC_URL")}
        self.env.update(PORT=str(self.port), INSTANCE_PATH=str(folder / "instance"), PUBLIC_URL=self.url,
                        DATABASE_URL=f"sqlite:///{folder / 'coalition.db'}", OUTBOUND_ALLOW_PRIVATE="true",
                        RATELIMIT_ENABLED="false", LANG="C.UTF-8")
        self.log = folder / "gunicorn.log"
        self.run("db", "upgrade")
        procfile = (ROOT / "Procfile").read_text().splitlines()
        [web] = [line.removeprefix("web:").split() for line in procfile if line.startswith("web:")]
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen([str(Path(sys.executable).with_name(web[0])), *web[1:]], cwd=ROOT,
                                            env=self.env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", self.port)) != 0:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)
        self.http = httpx.Client(base_url=self.url, timeout=20)

    def run(self, *arguments: str) -> str:
        """`coalition …` in this instance's environment."""
        result = subprocess.run([sys.executable, "-m", "coalition.cli", *arguments], cwd=ROOT, env=self.env,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def client(self, organization: str, scopes: str) -> dict:
        return json.loads(self.run("clients", "create", organization, "--name", "client", "--scopes", scopes,
                                   "--json"))

    def token(self, credentials: dict) -> dict:
        answer = self.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(credentials["client_id"], credentials["client_secret"]))
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def stop(self) -> None:
        self.http.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.fixture
def two_instances(tmp_path):
    started = []
    try:
        for name in ("eu", "de"):
            started.append(Gunicorn(tmp_path / name))
        yield started
    finally:
        for instance in started:
            instance.stop()


def test_a_national_hub_pushes_to_the_european_instance_with_the_readme_commands(two_instances):
    europe, germany = two_instances
    for instance in (europe, germany):
        instance.run("orgs", "create", "lead", "--name", "Lead", "--coordinator")
        admin = instance.token(instance.client("lead", "admin campaigns:read metrics:read"))
        assert instance.http.post("/api/v1/campaigns", headers=admin, json=CAMPAIGN).status_code == 201
        instance.admin = admin
    # Upstream: the national coalition is one hub organization, with a client that may push.
    assert "hub-de" in europe.run("orgs", "create", "hub-de", "--name", "Coalition Germany", "--kind", "hub",
                                  "--country", "DE")
    pusher = europe.client("hub-de", "federation:push")
    # Downstream: a member reports, and the upstream is registered.
    germany.run("orgs", "create", "digitalcourage", "--name", "Digitalcourage", "--country", "DE")
    member = germany.token(germany.client("digitalcourage", "signatures:write"))
    assert germany.http.post("/api/v1/campaigns/ryf/signatures", headers=member, json={
        "country": "DE", "channel": "online", "mode": "total", "count": 4321,
        "as_of": "2026-03-01T12:00:00Z"}).status_code == 201
    germany.run("federation", "add-upstream", "ryf", "--url", europe.url, "--upstream-campaign", "ryf",
                "--client-id", pusher["client_id"], "--client-secret", pusher["client_secret"])

    [outcome] = [json.loads(line) for line in germany.run("federation", "push", "ryf").splitlines()]

    assert (outcome["outcome"], outcome["status"], outcome["error"]) == ("pushed", "active", None)
    progress = europe.http.get("/api/v1/campaigns/ryf/progress", headers=europe.admin).json()
    assert progress["total"] == 4321
    assert {row["organization"]: row["count"] for row in progress["organizations"]} == {"hub-de": 4321}
    [hub] = europe.http.get("/api/v1/campaigns/ryf/federation", headers=europe.admin).json()["hubs"]
    assert (hub["instance"], hub["organizations"]) == (
        germany.url, [{"name": "Digitalcourage", "country": "DE", "count": 4321}])
    listed = germany.http.get("/api/v1/campaigns/ryf/upstreams", headers=germany.admin).json()["items"]
    assert [(row["url"], row["status"], row["last_applied"]) for row in listed] == [(europe.url, "active", True)]
