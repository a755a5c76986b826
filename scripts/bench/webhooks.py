"""Benchmark webhook delivery against bare httpx posts, in one run, to the same receivers.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; use a database of your own: it adds
organizations, subscriptions and events). Starts an asyncio receiver in RECEIVER_PROCESSES
processes sharing one port, with 100 endpoints: 85 healthy (204 at once), 5 slow (204 after
SLOW seconds), 5 that hold every connection without answering, 5 whose port refuses connections.
Delivery runs in a `coalition worker` process, as in production. Prints (see README "Performance"):

- capacity: healthy deliveries per second in a burst (`--events` events committed at once, each
  to every subscription) ÷ the rate of bare httpx posts of the same signed bodies to the same
  receivers, sent as the worker sends them: from one process, asynchronously, as many in flight
  (WEBHOOK_CONCURRENCY), one client per endpoint (goal ≥ 0.5); a synchronous client posting one
  at a time is measured too, for comparison;
- p50 and p99 seconds from commit to arrival at the healthy endpoints, for the burst (the last
  deliveries wait for the whole burst to drain) and for a steady load of `--steady-share` of the
  measured capacity for `--steady-seconds` (goal p99 < 5 s under load).

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python scripts/bench/webhooks.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

RECEIVER_PORT, CLOSED_PORT = 18331, 18339
RECEIVER_PROCESSES = 2
HEALTHY, SLOW, HANGING, REFUSING = 85, 5, 5, 5
SLOW_SECONDS = 2.0
TIMEOUT = 15.0
CONCURRENCY, ENDPOINT_CONCURRENCY = 256, 4


class Receiving(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, just enough for POSTs with a Content-Length."""

    def __init__(self, arrivals: list) -> None:
        self.arrivals, self.buffer = arrivals, b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
            fields = {name.lower(): value for name, value in fields.items()}
            length = int(fields.get("content-length", 0))
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            path = head[0].split(" ")[1]
            if path.startswith("/hang/"):
                continue  # never answered: the client gives up at its timeout
            if path.startswith("/slow/"):
                asyncio.get_running_loop().call_later(SLOW_SECONDS, self.answer, None)
                continue
            self.answer(fields.get("webhook-id"))

    def answer(self, message_id: str | None) -> None:
        if message_id is not None:
            self.arrivals.append((time.time(), message_id))
        if not self.transport.is_closing():
            self.transport.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


def receive(port: int, queue) -> None:
    """One receiver process; arrivals go to `queue` in batches, ten times a second."""
    arrivals: list = []

    async def serve() -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(1024)
        server = await asyncio.get_running_loop().create_server(lambda: Receiving(arrivals), sock=listener)
        async with server:
            while True:
                await asyncio.sleep(0.1)
                if arrivals:
                    queue.put(list(arrivals))
                    arrivals.clear()

    asyncio.run(serve())


def start_receivers():
    queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=receive, args=(RECEIVER_PORT, queue), daemon=True)
                 for _ in range(RECEIVER_PROCESSES)]
    for process in processes:
        process.start()
    time.sleep(0.5)
    return processes, queue


def urls() -> dict[str, list[str]]:
    base = f"http://127.0.0.1:{RECEIVER_PORT}"
    return {"healthy": [f"{base}/ok/{n}" for n in range(HEALTHY)],
            "slow": [f"{base}/slow/{n}" for n in range(SLOW)],
            "hanging": [f"{base}/hang/{n}" for n in range(HANGING)],
            "refusing": [f"http://127.0.0.1:{CLOSED_PORT}/refuse/{n}" for n in range(REFUSING)]}


def collect(queue, expected: int, timeout: float) -> list[tuple]:
    got, deadline = [], time.monotonic() + timeout
    while len(got) < expected and time.monotonic() < deadline:
        try:
            got += queue.get(timeout=0.5)
        except Exception:  # queue.Empty
            continue
    return got


def baseline(queue, deliveries: int) -> tuple[float, float]:
    """Deliveries per second of bare httpx posts of signed bodies to the healthy endpoints: as the
    worker sends (CONCURRENCY in flight, asynchronous, one client of ENDPOINT_CONCURRENCY
    connections per endpoint), and, for comparison, one synchronous client posting one at a time."""
    import httpx
    from standardwebhooks import Webhook

    from coalition.db import utcnow

    webhook = Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    healthy = urls()["healthy"]
    body = json.dumps({"type": "campaign.status_changed", "timestamp": "2026-03-01T12:00:00Z",
                       "data": {"campaign": "bench", "status": "live", "previous_status": "draft"}})

    def signed() -> dict[str, str]:
        message_id, now = str(uuid.uuid4()), utcnow()
        return {"Content-Type": "application/json", "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": webhook.sign(message_id, now, body)}

    numbers = iter(range(deliveries))

    async def post_all() -> None:
        limits = httpx.Limits(max_connections=ENDPOINT_CONCURRENCY, max_keepalive_connections=ENDPOINT_CONCURRENCY)
        clients = [httpx.AsyncClient(timeout=TIMEOUT, limits=limits) for _ in healthy]

        async def poster(endpoint: int) -> None:
            for _number in numbers:
                await clients[endpoint].post(healthy[endpoint], content=body, headers=signed())

        await asyncio.gather(*(poster(task % len(healthy)) for task in range(CONCURRENCY)))
        for client in clients:
            await client.aclose()

    started = time.perf_counter()
    asyncio.run(post_all())
    concurrent = deliveries / (time.perf_counter() - started)
    collect(queue, deliveries, 30)
    one_by_one = min(deliveries, 3000)
    with httpx.Client(timeout=TIMEOUT) as client:
        started = time.perf_counter()
        for number in range(one_by_one):
            client.post(healthy[number % len(healthy)], content=body, headers=signed())
        sequential = one_by_one / (time.perf_counter() - started)
    collect(queue, one_by_one, 30)
    return concurrent, sequential


def migrate() -> None:
    from alembic import command
    from sqlalchemy import text

    from coalition import create_app
    from coalition.cli import alembic_config
    from coalition.extensions import db

    with create_app().app_context():
        command.upgrade(alembic_config(), "heads")
        # Earlier runs' deleted rows would otherwise weigh on this one's index scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE webhook_deliveries, outbox_events"))


def subscribe(suffix: str) -> None:
    """Five organizations of 20 subscriptions (the limit), every event type."""
    from coalition import create_app
    from coalition.extensions import db
    from coalition.organizations.operations import create_organization
    from coalition.webhooks.operations import create_subscription

    with create_app().app_context():
        organizations = [create_organization(f"bench-{suffix}-{n}", f"Benchmark {n}") for n in range(5)]
        everything = [url for group in urls().values() for url in group]
        for number, url in enumerate(everything):
            create_subscription(organizations[number // 20].id, url=url, events=["*"])
        db.commit()


def commit_events(suffix: str, events: int, per_second: float | None, per_commit: int = 10) -> dict[str, float]:
    """Commit `events` events, `per_commit` per transaction, at once or at `per_second`; each
    event's id → its commit time."""
    from coalition import create_app
    from coalition.extensions import db
    from coalition.outbox import record_event

    committed: dict[str, float] = {}
    with create_app().app_context():
        started = time.time()
        for start in range(0, events, per_commit):
            if per_second:
                time.sleep(max(0.0, started + start / per_second - time.time()))
            batch = [record_event("campaign.status_changed", {"campaign": f"bench-{suffix}", "status": "live",
                                                              "previous_status": "draft", "n": n})
                     for n in range(start, min(start + per_commit, events))]
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


def latencies(got: list[tuple], committed: dict[str, float]) -> tuple[float, float, int]:
    values = sorted(at - committed[message_id] for at, message_id in got if message_id in committed)
    return statistics.median(values), values[max(0, int(len(values) * 0.99) - 1)], len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100, help="events of the burst (x 100 deliveries)")
    parser.add_argument("--steady-share", type=float, default=0.5, help="steady load, share of the capacity")
    parser.add_argument("--steady-seconds", type=float, default=30)
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL to a database and Redis of your own")
    os.environ.update({"OUTBOUND_ALLOW_PRIVATE": "true", "OUTBOUND_TIMEOUT": str(TIMEOUT),
                       "WEBHOOK_CONCURRENCY": str(CONCURRENCY),
                       "WEBHOOK_ENDPOINT_CONCURRENCY": str(ENDPOINT_CONCURRENCY), "RATELIMIT_ENABLED": "false"})
    receivers, queue = start_receivers()
    suffix = uuid.uuid4().hex[:8]
    worker = None
    try:
        bare, sequential = baseline(queue, HEALTHY * arguments.events)
        migrate()
        subscribe(suffix)
        # A session of its own: the worker's scheduler runs in a child process, stopped with it.
        worker = subprocess.Popen([str(Path(sys.executable).parent / "coalition"), "worker"],
                                  stdout=subprocess.DEVNULL, start_new_session=True)
        time.sleep(3)  # the worker starts and finds the outbox empty

        burst = commit_events(suffix, arguments.events, None)
        got = collect(queue, HEALTHY * arguments.events, 600)
        drained = max(at for at, _id in got) - min(burst.values())
        capacity = len(got) / drained
        burst_p50, burst_p99, burst_count = latencies(got, burst)

        per_second = max(1.0, capacity * arguments.steady_share / HEALTHY)
        steady_events = int(per_second * arguments.steady_seconds)
        per_commit = max(1, round(per_second / 20))  # about 20 commits a second
        steady = commit_events(suffix, steady_events, per_second, per_commit)
        steady_got = collect(queue, HEALTHY * steady_events, 120 + arguments.steady_seconds)
        steady_p50, steady_p99, steady_count = latencies(steady_got, steady)
    finally:
        if worker is not None:
            # A warm shutdown would wait for the attempts in flight to the hanging endpoints.
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(30)
            clean_up(suffix)
        for receiver in receivers:
            receiver.terminate()
    print(f"endpoints: {HEALTHY} healthy, {SLOW} answering after {SLOW_SECONDS:.0f} s, {HANGING} holding "
          f"every connection for the {TIMEOUT:.0f} s timeout, {REFUSING} refusing connections; "
          f"{CONCURRENCY} requests in flight at most")
    print(f"bare httpx posts: {bare:.0f} deliveries/s as the worker sends them "
          f"(one synchronous client, one at a time: {sequential:.0f}/s)")
    print(f"burst of {arguments.events} events: {burst_count} of {HEALTHY * arguments.events} healthy deliveries "
          f"in {drained:.1f} s, {capacity:.0f}/s, ratio {capacity / bare:.2f} (goal >= 0.5); "
          f"commit to delivery p50 {burst_p50:.2f} s, p99 {burst_p99:.2f} s")
    print(f"steady {per_second:.1f} events/s ({per_second * HEALTHY:.0f} healthy deliveries/s, "
          f"{arguments.steady_share:.0%} of capacity) for {arguments.steady_seconds:.0f} s: {steady_count} of "
          f"{HEALTHY * steady_events} delivered; commit to delivery p50 {steady_p50:.2f} s, p99 {steady_p99:.2f} s "
          f"(goal p99 < 5 s)")


if __name__ == "__main__":
    main()
