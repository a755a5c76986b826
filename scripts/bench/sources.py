"""Benchmark counter source polling: 500 sources of mixed kinds on one worker process.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL: a database and a Redis db of your own; it
adds organizations, a campaign and sources, and removes them at the end). Starts local fake
systems in their own process, answering every request after `--delay` seconds (default 0.1)
in the shape of its kind (the Commission's report/map, Proca's GraphQL, Action Network's
petition, plain JSON), runs one `coalition worker` process as in production and prints (see
README "Performance"):

- the lag of each poll after its planned moment: p50 and p99 ÷ the interval (goal p99 < 0.1);
- polls per second done ÷ the rate the interval asks for, once every source polled (goal ≥ 1);
- rows written while the figures do not change, per poll (goal 0), after the first polls;
- a baseline measured in the same run: the same requests from a bare pool of as many threads
  as the worker's pollers, and the worker's first round of polls against it.

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python scripts/bench/sources.py --duration 180
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PORT = 18341
KINDS = ("eci_online", "proca", "action_network", "json")
COUNTRIES = ("de", "fr", "el")


def document(kind: str, number: int) -> dict:
    count = 1000 + number
    if kind == "eci_online":
        return {"signatureCountryCount": [{"countryCode": code, "count": count, "treshold": 14400,
                                           "percentage": 1.0} for code in COUNTRIES]}
    if kind == "proca":
        return {"data": {"actionPage": {"campaign": {"stats": {"supporterCount": count,
                                                               "supporterCountByOrg": []}}}}}
    if kind == "action_network":
        return {"total_signatures": count, "_links": {}}
    return {"data": {"total": count}}


def serve(port: int, delay: float, arrivals) -> None:
    """The fake systems: /<kind>/<n>… answers its document after `delay` seconds."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            arrivals.put((time.time(), self.path.split("?")[0]))
            _empty, kind, number = urlsplit(self.path).path.split("/")[:3]
            body = json.dumps(document(kind, int(number))).encode()
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    Server(("127.0.0.1", port), Handler).serve_forever()


def url(kind: str, number: int) -> str:
    base = f"http://127.0.0.1:{PORT}/{kind}/{number}"
    return base if kind != "proca" else base + "/graphql"


def baseline(count: int, threads: int) -> float:
    """Seconds a bare pool of `threads` threads takes for one GET to each of `count` sources."""
    import httpx

    client = httpx.Client(limits=httpx.Limits(max_connections=threads))
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda n: client.get(url(KINDS[n % 4], n)).content, range(count)))
    client.close()
    return time.monotonic() - started


def migrate() -> None:
    from alembic import command

    from coalition import create_app
    from coalition.cli import alembic_config

    with create_app().app_context():
        command.upgrade(alembic_config(), "heads")


def prepare(count: int, interval: int, suffix: str) -> None:
    """One organization per source (each source's figures are its own keys), one live campaign."""
    from coalition import create_app, crypto
    from coalition.campaigns.models import Campaign
    from coalition.db import utcnow
    from coalition.extensions import db
    from coalition.organizations.operations import create_organization
    from coalition.sources.models import CounterSource

    with create_app().app_context():
        today = utcnow().date()
        campaign = Campaign(slug=f"bench-{suffix}", title="Benchmark", kind="eci", status="live",
                            starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300),
                            eci_registered_on=today - timedelta(days=40), locales=["en"])
        db.session.add(campaign)
        db.session.flush()
        for number in range(count):
            kind = KINDS[number % 4]
            organization = create_organization(f"bench-{suffix}-{number}", f"Benchmark {number}")
            options = {"action_page": number + 1} if kind == "proca" else {"path": "data.total"} \
                if kind == "json" else {}
            db.session.add(CounterSource(
                campaign_id=campaign.id, organization_id=organization.id, kind=kind, url=url(kind, number),
                country=None if kind == "eci_online" else "DE", channel="online", interval=interval,
                options=options, status="active", failures=0,
                credentials_ciphertext=crypto.encrypt(f"key-{number}") if kind == "action_network" else None))
        db.commit()


def rows_written(connection) -> int:
    """Rows inserted, updated or deleted in the database so far (the statistics collector's view)."""
    connection.execute("SELECT pg_stat_clear_snapshot()")
    row = connection.execute("SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                             "WHERE datname = current_database()").fetchone()
    return int(row[0])


def watch_plans(stop: threading.Event, seen: dict[str, set[float]]) -> None:
    """Every planned moment of every source, as the worker plans them in Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    while not stop.is_set():
        for source_id, due in client.hgetall("coalition:sources:planned").items():
            seen.setdefault(source_id.decode(), set()).add(float(due))
        stop.wait(0.2)


def clean_up(suffix: str) -> None:
    from sqlalchemy import delete

    from coalition import create_app
    from coalition.campaigns.models import Campaign
    from coalition.extensions import db
    from coalition.organizations.models import Organization

    with create_app().app_context():
        db.session.execute(delete(Campaign).where(Campaign.slug == f"bench-{suffix}"))
        db.session.execute(delete(Organization).where(Organization.slug.like(f"bench-{suffix}-%")))
        db.commit()
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("coalition:sources:planned", "coalition:sources:checked")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--duration", type=int, default=180)
    parser.add_argument("--delay", type=float, default=0.1)
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis of your own")
    from cryptography.fernet import Fernet

    os.environ.update({"OUTBOUND_ALLOW_PRIVATE": "true", "RATELIMIT_ENABLED": "false",
                       "ENCRYPTION_KEYS": os.environ.get("ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
                       "SECRET_KEY": os.environ.get("SECRET_KEY") or uuid.uuid4().hex,
                       "INSTANCE_PATH": os.environ.get("INSTANCE_PATH") or tempfile.mkdtemp()})
    from coalition.config import Config

    threads = Config.from_env().source_concurrency
    arrivals = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(PORT, arguments.delay, arrivals), daemon=True)
    server.start()
    time.sleep(1)
    suffix = uuid.uuid4().hex[:8]
    plans: dict[str, set[float]] = {}
    stop = threading.Event()
    try:
        bare = baseline(arguments.sources, threads)
        drain(arrivals)
        migrate()
        prepare(arguments.sources, arguments.interval, suffix)
        import psycopg

        connection = psycopg.connect(os.environ["DATABASE_URL"].replace("+psycopg", ""), autocommit=True)
        watcher = threading.Thread(target=watch_plans, args=(stop, plans), daemon=True)
        watcher.start()
        started = time.time()
        worker = subprocess.Popen([str(Path(sys.executable).parent / "coalition"), "worker"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Every source polls once within its first interval (its first figures are written then).
        warm = started + arguments.interval + 30
        time.sleep(max(0.0, warm - time.time()))
        written_before = rows_written(connection)
        time.sleep(max(0.0, started + arguments.duration - time.time()))
        written_after = rows_written(connection)
        ended = time.time()
        worker.terminate()
        worker.wait(60)
        stop.set()
        watcher.join()
        got = drain(arrivals)
    finally:
        server.terminate()
    with_source = source_ids(suffix)
    clean_up(suffix)
    lags, steady_lags, steady = [], [], 0
    for at, path in got:
        source_id = with_source.get(path.removesuffix("/graphql").removesuffix("/report/map"))
        # RQ's scheduler keeps whole seconds: a job may start up to a second before its moment.
        dues = [due for due in plans.get(source_id, ()) if due <= at + 1.0]
        if dues:
            lags.append(max(0.0, at - max(dues)))
            if warm <= at:
                steady_lags.append(lags[-1])
        if warm <= at <= ended:
            steady += 1
    p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
    required = arguments.sources / arguments.interval
    done = steady / (ended - warm)
    first_round = sorted(at for at, _path in got)[:arguments.sources]
    print(f"{arguments.sources} sources, interval {arguments.interval} s, answers after {arguments.delay * 1000:.0f} ms, "
          f"{arguments.duration} s on one worker process ({threads} pollers); {len(got)} polls")
    print(f"lag after the planned moment: p50 {p50:.3f} s, p99 {p99:.3f} s; "
          f"p99 / interval = {p99 / arguments.interval:.4f} (goal < 0.1)")
    print(f"  once every source polled (unchanged figures): p50 {percentile(steady_lags, 0.5):.3f} s, "
          f"p99 {percentile(steady_lags, 0.99):.3f} s; p99 / interval = "
          f"{percentile(steady_lags, 0.99) / arguments.interval:.4f}")
    print(f"polls per second once warm: {done:.2f} ÷ required {required:.2f} = {done / required:.2f} (goal >= 1)")
    print(f"rows written while nothing changed: {written_after - written_before} in {steady} polls "
          f"= {(written_after - written_before) / max(steady, 1):.3f} per poll (goal 0)")
    print(f"baseline: a bare pool of {threads} threads fetches all {arguments.sources} in {bare:.2f} s; "
          f"the worker's first {len(first_round)} polls spread over {first_round[-1] - first_round[0]:.1f} s "
          f"by design (first polls are spread over the first interval)")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def drain(arrivals) -> list:
    """Everything the fake systems saw so far (their process still running, so nothing is lost)."""
    from queue import Empty

    got = []
    while True:
        try:
            got.append(arrivals.get(timeout=1.0))
        except Empty:
            return got


def source_ids(suffix: str) -> dict[str, str]:
    """`/<kind>/<n>` → the source's id."""
    from sqlalchemy import select

    from coalition import create_app
    from coalition.campaigns.models import Campaign
    from coalition.extensions import db
    from coalition.sources.models import CounterSource

    with create_app().app_context():
        rows = db.session.execute(select(CounterSource.id, CounterSource.url).join(
            Campaign, Campaign.id == CounterSource.campaign_id).where(Campaign.slug == f"bench-{suffix}"))
        return {urlsplit(source_url).path.removesuffix("/graphql"): source_id for source_id, source_url in rows}


if __name__ == "__main__":
    main()
