"""Benchmark webhook delivery against a bare httpx client, in one run.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; use a database of your own: it adds
organizations, subscriptions and events). Starts a local receiver in its own process with 100
endpoints, of which 10 never answer (they hold the connection until the client's timeout), and
prints (see README "Performance"):

- deliveries per second to the 90 healthy endpoints ÷ the rate of a bare httpx client posting the
  same signed bodies from one process (goal ≥ 0.5);
- p50 and p99 seconds from commit to delivery at the healthy endpoints (goal p99 < 5 s).

`--events N` events go to every subscription: N × 100 deliveries (default 100: 10,000).
Delivery runs in a `coalition worker` process, as in production.

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python scripts/bench/webhooks.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RECEIVER_PORT = 18331
ENDPOINTS, DEAD = 100, 10
TIMEOUT = 15.0


def receive(port: int, arrivals, dead_hold: float) -> None:
    """The receiver process: healthy paths answer 204 at once, /dead/… hold the connection."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/dead/"):
                time.sleep(dead_hold)
                self.close_connection = True
                return
            arrivals.put((time.time(), self.headers.get("webhook-id"), len(body)))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request, client_address):
            pass

    Server(("127.0.0.1", port), Handler).serve_forever()


def start_receiver(dead_hold: float):
    arrivals = multiprocessing.Queue()
    process = multiprocessing.Process(target=receive, args=(RECEIVER_PORT, arrivals, dead_hold), daemon=True)
    process.start()
    time.sleep(0.5)
    return process, arrivals


def urls() -> list[str]:
    return ([f"http://127.0.0.1:{RECEIVER_PORT}/dead/{n}" for n in range(DEAD)]
            + [f"http://127.0.0.1:{RECEIVER_PORT}/ok/{n}" for n in range(ENDPOINTS - DEAD)])


def drain(arrivals, expected: int, timeout: float) -> list[tuple]:
    got, deadline = [], time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        try:
            got.append(arrivals.get(timeout=0.5))
        except Exception:  # queue.Empty
            continue
    return got


def baseline(arrivals, deliveries: int) -> float:
    """Deliveries per second of one bare httpx client, posting signed bodies one after the other."""
    import httpx
    from standardwebhooks import Webhook

    from coalition.db import utcnow

    webhook = Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    healthy = urls()[DEAD:]
    body = json.dumps({"type": "signatures.reported", "timestamp": "2026-03-01T12:00:00Z",
                       "data": {"campaign": "bench", "organization": "bench", "figures": []}})
    with httpx.Client(timeout=TIMEOUT) as client:
        started = time.perf_counter()
        for number in range(deliveries):
            message_id, now = str(uuid.uuid4()), utcnow()
            client.post(healthy[number % len(healthy)], content=body, headers={
                "Content-Type": "application/json", "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": webhook.sign(message_id, now, body)})
        elapsed = time.perf_counter() - started
    drain(arrivals, deliveries, 30)
    return deliveries / elapsed


def migrate() -> None:
    from alembic import command

    from coalition import create_app
    from coalition.cli import alembic_config

    with create_app().app_context():
        command.upgrade(alembic_config(), "heads")


def prepare(events: int, suffix: str) -> dict[str, float]:
    """Subscriptions (20 per organization, the limit), then the events, committed in batches;
    answers each event's id → its commit time."""
    from coalition import create_app
    from coalition.extensions import db
    from coalition.organizations.operations import create_organization
    from coalition.outbox import record_event
    from coalition.webhooks.operations import create_subscription

    app = create_app()
    with app.app_context():
        organizations = [create_organization(f"bench-{suffix}-{n}", f"Benchmark {n}") for n in range(5)]
        for number, url in enumerate(urls()):
            create_subscription(organizations[number // 20].id, url=url, events=["*"])
        db.commit()
        committed = {}
        for start in range(0, events, 10):
            batch = [record_event("campaign.status_changed", {"campaign": f"bench-{suffix}", "status": "live",
                                                              "previous_status": "draft", "n": n})
                     for n in range(start, min(start + 10, events))]
            db.commit()
            now = time.time()
            committed.update((event.id, now) for event in batch)
        return committed


def clean_up(suffix: str) -> None:
    """Remove this run's organizations, and with them its subscriptions and deliveries."""
    from sqlalchemy import delete

    from coalition import create_app
    from coalition.extensions import db
    from coalition.organizations.models import Organization

    with create_app().app_context():
        db.session.execute(delete(Organization).where(Organization.slug.like(f"bench-{suffix}-%")))
        db.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis of your own")
    os.environ.update({"OUTBOUND_ALLOW_PRIVATE": "true", "OUTBOUND_TIMEOUT": str(TIMEOUT),
                       "RATELIMIT_ENABLED": "false"})
    receiver, arrivals = start_receiver(dead_hold=TIMEOUT + 5)
    healthy_deliveries = arguments.events * (ENDPOINTS - DEAD)
    try:
        bare = baseline(arrivals, min(healthy_deliveries, 3000))
        migrate()
        worker = subprocess.Popen([str(Path(sys.executable).parent / "coalition"), "worker"],
                                  stdout=subprocess.DEVNULL)
        time.sleep(2)  # the worker starts and finds the outbox empty
        suffix = uuid.uuid4().hex[:8]
        committed = prepare(arguments.events, suffix)
        got = drain(arrivals, healthy_deliveries, 600)
        # A warm shutdown would wait for the dead endpoints' attempts in flight: not needed here.
        worker.kill()
        worker.wait(30)
        clean_up(suffix)
    finally:
        receiver.terminate()
    first_commit = min(committed.values())
    latencies = sorted(at - committed[message_id] for at, message_id, _size in got if message_id in committed)
    elapsed = max(at for at, _id, _size in got) - first_commit
    rate = len(got) / elapsed
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"healthy deliveries: {len(got)} of {healthy_deliveries} in {elapsed:.1f} s "
          f"(10 endpoints hold every connection for {TIMEOUT:.0f} s)")
    print(f"bare httpx client: {bare:.0f} deliveries/s; Coalition's worker: {rate:.0f} deliveries/s")
    print(f"ratio {rate / bare:.2f} (goal >= 0.5)")
    print(f"commit to delivery: p50 {p50:.2f} s, p99 {p99:.2f} s (goal p99 < 5 s)")


if __name__ == "__main__":
    main()
