"""The pump: many deliveries in flight on one event loop, so that neither a slow nor a dead
endpoint holds up the others, and the database written once per round, not once per delivery.

Only the pump's own thread touches the database; the loop's thread only sends HTTP requests.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from coalition.db import utcnow
from coalition.extensions import db
from coalition.outbound import OutboundError, Response, ResponseTooLarge
from coalition.outbound_async import AsyncOutboundClient
from coalition.outbox import OutboxEvent
from coalition.webhooks.delivery import (
    Outgoing,
    lease_seconds,
    message_body,
    record_outcome,
    record_successes,
    signed_headers,
    signing_secrets,
)
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription

# Claim more deliveries only once this share of the slots is free: fewer, larger queries.
REFILL_SHARE = 4
# While delivering, the pump takes events committed meanwhile this often.
REFILL_EVERY = 0.5
# A round (outcomes written, slots refilled) lasts at least this long: the answers that arrive
# meanwhile are written by the same statement.
ROUND = 0.01
# After an attempt with no answer, its endpoint gets no other attempt for this long, doubled
# at each failure in a row up to CIRCUIT_LONGEST: one probe, not a volley, reaches a dead endpoint.
CIRCUIT_FIRST, CIRCUIT_LONGEST = 5.0, 300.0


@dataclass
class Circuit:
    failures: int = 0
    open_until: float = 0.0  # time.monotonic()


# Per process, across pumps: a dispatch job runs for a minute, an endpoint stays dead for longer.
# A restarted worker starts with every circuit closed.
_circuits: dict[str, Circuit] = {}


def note_outcome(subscription_id: str, answered: bool) -> None:
    """Any answer closes an endpoint's circuit; no answer opens it for longer each time."""
    if answered:
        _circuits.pop(subscription_id, None)
        return
    circuit = _circuits.setdefault(subscription_id, Circuit())
    circuit.failures += 1
    circuit.open_until = time.monotonic() + min(CIRCUIT_FIRST * 2 ** (circuit.failures - 1), CIRCUIT_LONGEST)


def held_endpoints() -> dict[str, datetime]:
    """The subscriptions whose circuit is open, and when each may be tried again."""
    now, wall = time.monotonic(), utcnow()
    return {subscription_id: wall + timedelta(seconds=circuit.open_until - now)
            for subscription_id, circuit in _circuits.items() if circuit.open_until > now}


class Bodies:
    """An event's body is made once per pump: it goes to every subscription that wants it."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def of(self, event_ids: set[str]) -> dict[str, str]:
        missing = event_ids - self.known.keys()
        if missing:
            for event in db.session.execute(select(OutboxEvent.id, OutboxEvent.kind, OutboxEvent.created_date,
                                                   OutboxEvent.payload).where(OutboxEvent.id.in_(missing))):
                self.known[event.id] = message_body(event)
        return self.known


def claim(slots: int, busy: dict[str, int], limits: dict[str, int], per_endpoint: int, now: datetime,
          bodies: Bodies | None = None, held=()) -> list[Outgoing]:
    """Lease up to `slots` due deliveries, in flight per subscription at most its limit (default
    one, up to `per_endpoint`), none to the subscriptions in `held`."""
    D, S = WebhookDelivery, WebhookSubscription
    # The earliest due first, by the index on next_attempt_date alone (no join: PostgreSQL then
    # scans the index once per subscription): the scan stops after the rows it needs. The
    # limits apply below; a subscription with a backlog fills the candidates of one claim at
    # most, as it is full (and left out) at the next.
    left_out = [*db.session.scalars(select(S.id).where(S.status != "active")), *held,
                *(subscription for subscription, count in busy.items() if count >= limits.get(subscription, 1))]
    due = (select(D.id, D.subscription_id)
           .where(D.status == "pending", D.next_attempt_date <= now,
                  or_(D.leased_until.is_(None), D.leased_until < now))
           .order_by(D.next_attempt_date).limit(slots * 4))
    if left_out:
        due = due.where(D.subscription_id.not_in(left_out))
    candidates = db.session.execute(due).all()
    wanted, taking = [], dict(busy)
    for delivery_id, subscription_id in candidates:
        if len(wanted) < slots and taking.get(subscription_id, 0) < limits.get(subscription_id, 1):
            wanted.append(delivery_id)
            taking[subscription_id] = taking.get(subscription_id, 0) + 1
    if not wanted:
        return []
    table = D.__table__
    leased = db.session.execute(
        update(table).where(table.c.id.in_(wanted), or_(table.c.leased_until.is_(None), table.c.leased_until < now))
        .values(leased_until=now + timedelta(seconds=lease_seconds()))
        .returning(table.c.id, table.c.subscription_id, table.c.event_id)).all()
    if not leased:
        return []
    subscriptions = {row.id: row for row in db.session.execute(
        select(S.id, S.url, S.secret_ciphertext, S.previous_secret_ciphertext, S.previous_secret_expires)
        .where(S.id.in_({row.subscription_id for row in leased})))}
    known = (bodies or Bodies()).of({row.event_id for row in leased})
    outgoing = []
    for delivery_id, subscription_id, event_id in leased:
        subscription, body = subscriptions[subscription_id], known[event_id]
        headers = signed_headers(event_id, body, signing_secrets(subscription, now), now)
        outgoing.append(Outgoing(delivery_id, subscription_id, subscription.url, body.encode(), headers))
    return outgoing


async def _send(client: AsyncOutboundClient, outgoing: Outgoing) -> Response | OutboundError:
    try:
        return await client.post(outgoing.url, outgoing.body, outgoing.headers)
    except OutboundError as error:
        return error


class Sender:
    """An event loop on a thread of its own sends; the caller's thread does the database work
    meanwhile. Each subscription has a client (its connections) of its own, as small as its
    concurrency. Requests go to the loop in batches, one wake-up each, and their outcomes come
    back on a queue, in the order they finish."""

    def __init__(self, config) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.clients: dict[str, AsyncOutboundClient] = {}
        self.finished: queue.SimpleQueue[tuple[Outgoing, Response | OutboundError]] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self.loop.run_forever, name="webhook-sender", daemon=True)
        self._tasks: set[asyncio.Task] = set()

    def __enter__(self) -> Sender:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        async def close_all() -> None:
            for client in self.clients.values():
                await client.aclose()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def _client(self, subscription_id: str) -> AsyncOutboundClient:
        client = self.clients.get(subscription_id)
        if client is None:
            config = self.config
            client = self.clients[subscription_id] = AsyncOutboundClient(
                config.outbound_timeout, config.outbound_allow_private,
                max_connections=config.webhook_endpoint_concurrency, connect_timeout=config.webhook_connect_timeout)
        return client

    async def _deliver(self, outgoing: Outgoing) -> None:
        self.finished.put((outgoing, await _send(self._client(outgoing.subscription_id), outgoing)))

    def _start(self, batch: list[Outgoing]) -> None:
        for outgoing in batch:
            task = self.loop.create_task(self._deliver(outgoing))
            self._tasks.add(task)  # the loop keeps only weak references to its tasks
            task.add_done_callback(self._tasks.discard)

    def send(self, batch: list[Outgoing]) -> None:
        if batch:
            self.loop.call_soon_threadsafe(self._start, batch)

    def outcomes(self, timeout: float, not_before: float) -> list[tuple[Outgoing, Response | OutboundError]]:
        """What finished, waiting up to `timeout` for the first, then until `not_before`
        (time.monotonic()) for those that finish meanwhile."""
        try:
            done = [self.finished.get(timeout=timeout)]
        except queue.Empty:
            return []
        time.sleep(max(0.0, not_before - time.monotonic()))
        while True:
            try:
                done.append(self.finished.get_nowait())
            except queue.Empty:
                return done


def pump(budget: float = 60.0, clock=utcnow, refill=None) -> dict[str, int]:
    """Deliver what is due, many at once, until nothing is due or `budget` seconds have passed.

    An endpoint starts with one delivery in flight and gets up to WEBHOOK_ENDPOINT_CONCURRENCY
    once it answers with success; a failure takes it back to one, and an attempt with no answer
    at all holds the endpoint a while (its circuit opens). So a dead endpoint holds at most one
    slot, and the others keep flowing. Returns how many attempts were made and how many
    succeeded. `refill()`, when given, is called every REFILL_EVERY seconds first (the worker
    fans out events committed since).
    """
    config = current_app.extensions["coalition.config"]
    slots, per_endpoint = config.webhook_concurrency, config.webhook_endpoint_concurrency
    deadline = time.monotonic() + budget
    in_flight = 0
    busy: dict[str, int] = {}
    limits: dict[str, int] = {}
    bodies = Bodies()
    attempts = succeeded = 0
    refilled = time.monotonic()
    with Sender(config) as sender:
        while True:
            started = time.monotonic()
            if refill is not None and started - refilled >= REFILL_EVERY:
                refill()
                refilled = time.monotonic()
            free = slots - in_flight
            if time.monotonic() < deadline and (free >= max(1, slots // REFILL_SHARE) or not in_flight):
                batch = claim(free, busy, limits, per_endpoint, clock(), bodies, held_endpoints())
                db.commit()
                sender.send(batch)
                for outgoing in batch:
                    busy[outgoing.subscription_id] = busy.get(outgoing.subscription_id, 0) + 1
                in_flight += len(batch)
            if not in_flight:
                break
            done = sender.outcomes(REFILL_EVERY, not_before=started + ROUND)
            now = clock()
            successes = []
            for outgoing, outcome in done:
                in_flight -= 1
                busy[outgoing.subscription_id] -= 1
                success = isinstance(outcome, Response) and 200 <= outcome.status_code < 300
                if success:
                    successes.append((outgoing.delivery_id, outcome))
                else:
                    record_outcome(outgoing.delivery_id, outcome, now)
                limits[outgoing.subscription_id] = per_endpoint if success else 1
                note_outcome(outgoing.subscription_id, isinstance(outcome, Response | ResponseTooLarge))
                attempts += 1
                succeeded += success
            record_successes(successes, now)
            db.commit()
    return {"attempts": attempts, "succeeded": succeeded}
