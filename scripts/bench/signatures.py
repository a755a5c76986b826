"""Benchmark the public counter and signature reports against bare baselines, in one run.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; use a database of your own: it adds a
campaign and a `bench_baseline` table) and wrk. Starts gunicorn (2 sync workers) for the app and
for a bare Flask app, and prints ratios (see README "Performance"):

- public counter req/s ÷ bare JSON req/s (goal ≥ 0.8 at 32 connections);
- single delta reports req/s ÷ bare "UPDATE one row + commit" req/s (goal ≥ 0.5), and whether
  the final total equals the number of reports in the ledger (no lost update);
- time of a batch of 1000 reports ÷ time of one report (goal < 10).

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python scripts/bench/signatures.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

APP_PORT, BASE_PORT = 18311, 18312
COUNTRIES = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
             "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]


def prepare() -> tuple[str, str, str]:
    """Migrate, then create a campaign, an organization and a client; answer slug and credentials."""
    from alembic import command
    from sqlalchemy import text

    from coalition import create_app
    from coalition.auth.operations import create_client
    from coalition.campaigns.operations import create_campaign
    from coalition.cli import alembic_config
    from coalition.extensions import db
    from coalition.organizations.operations import create_organization

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(), "heads")
        suffix = uuid.uuid4().hex[:8]
        today = datetime.now(UTC).date()
        campaign = create_campaign(f"bench-{suffix}", "Benchmark", today - timedelta(days=30),
                                   today + timedelta(days=300), kind="eci", status="live",
                                   eci_registered_on=date(2025, 1, 1))
        organization = create_organization(f"bench-{suffix}", "Benchmark organization", country="DE")
        client, secret = create_client(organization, "bench", ["campaigns:read", "signatures:write"])
        db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_baseline (id integer PRIMARY KEY, n bigint)"))
        db.session.execute(text("INSERT INTO bench_baseline VALUES (1, 0) ON CONFLICT (id) DO NOTHING"))
        db.commit()
        return campaign.slug, client.client_id, secret


def figures(slug: str) -> tuple[int, int]:
    """(the campaign's total from the tallies, the number of delta reports in its ledger)."""
    from sqlalchemy import text

    from coalition import create_app
    from coalition.extensions import db

    with create_app().app_context():
        total = db.session.execute(text(
            "SELECT coalesce(sum(t.figure), 0) FROM signature_tallies t JOIN campaigns c ON c.id = t.campaign_id "
            "WHERE c.slug = :slug"), {"slug": slug}).scalar_one()
        reports = db.session.execute(text(
            "SELECT coalesce(sum(r.count), 0) FROM signature_reports r JOIN campaigns c ON c.id = r.campaign_id "
            "WHERE c.slug = :slug"), {"slug": slug}).scalar_one()
        return int(total), int(reports)


def start(target: str, port: int, chdir: Path) -> subprocess.Popen:
    env = {**os.environ, "RATELIMIT_ENABLED": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", target],
        env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz" if target.startswith("coalition") else "/json")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{target} did not start")


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def token(client_id: str, secret: str) -> str:
    import base64

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    status, body = request(APP_PORT, "POST", "/oauth/token", b"grant_type=client_credentials",
                           {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    return json.loads(body)["access_token"]


def wrk(url: str, duration: int, connections: int, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    done = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "requests": done, "non_2xx": int(bad.group(1)) if bad else 0}


def post_script(body: dict, headers: dict) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return handle.name


def elapsed(call) -> float:
    """Seconds one call takes."""
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of app and baseline")
    parser.add_argument("--batches", type=int, default=30, help="batches timed, each after ten single reports")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")) or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")

    slug, client_id, secret = prepare()
    servers = [start("coalition.wsgi:app", APP_PORT, ROOT), start("baseline_app:app", BASE_PORT, Path(__file__).parent)]
    try:
        bearer = token(client_id, secret)
        auth = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
        counter_url = f"http://127.0.0.1:{APP_PORT}/api/v1/campaigns/{slug}/counter"
        signatures_path = f"/api/v1/campaigns/{slug}/signatures"
        as_of = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        c = args.connections

        wrk(counter_url, 2, c)
        wrk(f"http://127.0.0.1:{BASE_PORT}/json", 2, c)
        delta = {"country": "DE", "channel": "online", "mode": "delta", "count": 1, "as_of": as_of}
        report_script = post_script(delta, auth)
        update_script = post_script({}, {"Content-Type": "application/json"})
        rounds = {"counter": [], "bare_json": [], "reports": [], "bare_update": []}
        # Alternating short runs: load from other processes on the machine hits both sides alike.
        for _ in range(args.rounds):
            rounds["counter"].append(wrk(counter_url, args.duration, c))
            rounds["bare_json"].append(wrk(f"http://127.0.0.1:{BASE_PORT}/json", args.duration, c))
            rounds["reports"].append(wrk(f"http://127.0.0.1:{APP_PORT}{signatures_path}", args.duration, c,
                                         report_script))
            rounds["bare_update"].append(wrk(f"http://127.0.0.1:{BASE_PORT}/update", args.duration, c,
                                             update_script))
        time.sleep(1)
        total, reported = figures(slug)

        single = json.dumps({**delta, "country": "FR"}).encode()
        batch = json.dumps({"reports": [
            {**delta, "country": COUNTRIES[i % 27], "channel": ("online", "paper")[i // 27 % 2],
             "as_of": (datetime.now(UTC) - timedelta(minutes=i)).isoformat().replace("+00:00", "Z")}
            for i in range(1000)]}).encode()

        def send(body: bytes) -> None:
            status, answer = request(APP_PORT, "POST", signatures_path, body, auth)
            assert status == 201, answer

        # Interleaved, so that a slower moment of the machine weighs on both alike.
        single_times, batch_times = [], []
        for _ in range(args.batches):
            single_times += [elapsed(lambda: send(single)) for _ in range(10)]
            batch_times.append(elapsed(lambda: send(batch)))
        single_time, batch_time = statistics.median(single_times), statistics.median(batch_times)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)

    def median_rps(name: str) -> float:
        return statistics.median(run["rps"] for run in rounds[name])

    counter_ratio = statistics.median(a["rps"] / b["rps"] for a, b in zip(rounds["counter"], rounds["bare_json"]))
    write_ratio = statistics.median(a["rps"] / b["rps"] for a, b in zip(rounds["reports"], rounds["bare_update"]))
    answered = sum(run["requests"] for run in rounds["reports"])
    errors = sum(run["non_2xx"] for run in rounds["reports"])
    batch_ratio = batch_time / single_time
    # wrk stops with up to `connections` requests in flight that the server still completes.
    exact = total == reported and errors == 0 and answered <= total <= answered + c * args.rounds
    print(f"{args.rounds} rounds of {args.duration} s, {c} connections, medians:")
    print(f"public counter      {median_rps('counter'):9.0f} req/s   bare JSON      {median_rps('bare_json'):9.0f} req/s"
          f"   ratio {counter_ratio:.2f} (goal >= 0.8)")
    print(f"single delta report {median_rps('reports'):9.0f} req/s   bare UPDATE    "
          f"{median_rps('bare_update'):9.0f} req/s   ratio {write_ratio:.2f} (goal >= 0.5)")
    print(f"final total {total} = ledger sum {reported}, {answered} answers seen by wrk, "
          f"{errors} errors: {'exact' if exact else 'NOT EXACT'}")
    print(f"batch of 1000       {batch_time * 1000:9.1f} ms      single report {single_time * 1000:9.2f} ms      "
          f"ratio {batch_ratio:.1f} (goal < 10)")


if __name__ == "__main__":
    main()
