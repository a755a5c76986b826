"""Signed delivery (Standard Webhooks v1): the message, its signatures, the retry schedule, and
the pump that keeps many deliveries in flight so one slow endpoint never holds the others.

Only the pump's own thread touches the database; its helper threads only send HTTP requests.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, update
from standardwebhooks import Webhook

from coalition import crypto
from coalition.db import utcnow
from coalition.extensions import db
from coalition.outbound import OutboundError, Response, outbound_client
from coalition.outbox import OutboxEvent, record_event
from coalition.validation import rfc3339
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

# Seconds before each retry after a failed attempt (Standard Webhooks' schedule), with jitter.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1
# Claim more deliveries only once this share of the slots is free: fewer, larger queries.
REFILL_SHARE = 4


def retry_delay(attempt: int, retry_after: float | None = None) -> float | None:
    """Seconds until the next attempt after failed attempt number `attempt`; None: give up."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if retry_after is not None:
        return min(max(retry_after, 1.0), RETRY_DELAYS[-1])
    delay = RETRY_DELAYS[attempt - 1]
    return delay * random.uniform(1 - JITTER, 1 + JITTER)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds (RFC 9110: a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


def message_body(event: OutboxEvent) -> str:
    """The body every attempt of this event sends, byte for byte."""
    return json.dumps({"type": event.kind, "timestamp": rfc3339(event.created_date), "data": event.payload},
                      separators=(",", ":"), ensure_ascii=False)


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, and during the overlap after a rotation the previous one too."""
    secrets = [crypto.decrypt(subscription.secret_ciphertext)]
    if subscription.previous_secret_ciphertext and (subscription.previous_secret_expires or now) > now:
        secrets.append(crypto.decrypt(subscription.previous_secret_ciphertext))
    return secrets


def signed_headers(message_id: str, body: str, secrets: list[str], now: datetime) -> dict[str, str]:
    moment = datetime.fromtimestamp(int(now.timestamp()), UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, moment, body) for secret in secrets),
    }


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    subscription_id: str
    url: str
    body: bytes
    headers: dict[str, str]


def lease_seconds() -> float:
    # Longer than the longest attempt (the client's own deadline is twice its timeout).
    return 2 * current_app.extensions["coalition.config"].outbound_timeout + 5


def claim(slots: int, busy: dict[str, int], limits: dict[str, int], per_endpoint: int,
          now: datetime) -> list[Outgoing]:
    """Lease up to `slots` due deliveries, in flight per subscription at most its limit (default
    one, up to `per_endpoint`)."""
    D, S = WebhookDelivery, WebhookSubscription
    rank = func.row_number().over(partition_by=D.subscription_id, order_by=D.next_attempt_date).label("rank")
    due = (select(D.id, D.subscription_id, D.next_attempt_date, rank).join(S, S.id == D.subscription_id)
           .where(D.status == "pending", D.next_attempt_date <= now,
                  or_(D.leased_until.is_(None), D.leased_until < now), S.status == "active"))
    full = [subscription for subscription, count in busy.items() if count >= limits.get(subscription, 1)]
    if full:
        due = due.where(D.subscription_id.not_in(full))
    due = due.subquery()
    candidates = db.session.execute(select(due.c.id, due.c.subscription_id).where(due.c.rank <= per_endpoint)
                                    .order_by(due.c.next_attempt_date).limit(slots * 2)).all()
    wanted, taking = [], dict(busy)
    for delivery_id, subscription_id in candidates:
        if len(wanted) < slots and taking.get(subscription_id, 0) < limits.get(subscription_id, 1):
            wanted.append(delivery_id)
            taking[subscription_id] = taking.get(subscription_id, 0) + 1
    if not wanted:
        return []
    until = now + timedelta(seconds=lease_seconds())
    claimed = set(db.session.scalars(
        update(D).where(D.id.in_(wanted), or_(D.leased_until.is_(None), D.leased_until < now))
        .values(leased_until=until).returning(D.id)))
    rows = db.session.execute(select(D.id, OutboxEvent, S).join(OutboxEvent, OutboxEvent.id == D.event_id)
                              .join(S, S.id == D.subscription_id).where(D.id.in_(claimed))).all()
    outgoing = []
    for delivery_id, event, subscription in rows:
        body = message_body(event)
        headers = signed_headers(event.id, body, signing_secrets(subscription, now), now)
        outgoing.append(Outgoing(delivery_id, subscription.id, subscription.url, body.encode(), headers))
    return outgoing


def disable_subscription(subscription: WebhookSubscription, reason: str) -> None:
    """Stop delivering to a subscription; its organization hears of it on its other ones."""
    if subscription.status != "active":
        return
    subscription.status = "disabled"
    subscription.disabled_reason = reason
    record_event("webhook.disabled", {"organization": subscription.organization.slug,
                                      "subscription": subscription.id, "reason": reason})


def record_outcome(delivery_id: str, outcome: Response | OutboundError, now: datetime) -> None:
    """What an attempt did: success, the next attempt, or giving up (which disables)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # its subscription was deleted meanwhile
        return
    delivery.attempt += 1
    delivery.last_attempt_date = now
    delivery.leased_until = None
    if isinstance(outcome, Response):
        delivery.status_code, delivery.error = outcome.status_code, None
        delivery.duration_ms = int(outcome.elapsed * 1000)
        if 200 <= outcome.status_code < 300:
            delivery.status, delivery.next_attempt_date = "succeeded", None
            return
        if outcome.status_code == 410:
            delivery.status, delivery.next_attempt_date = "failed", None
            disable_subscription(db.session.get(WebhookSubscription, delivery.subscription_id), "gone")
            return
        retry_after = None
        if outcome.status_code in (429, 503):
            retry_after = parse_retry_after(outcome.headers.get("Retry-After"), now)
    else:
        delivery.status_code, delivery.duration_ms = None, None
        delivery.error = f"{outcome.code}: {outcome}"[:300]
        retry_after = None
    delay = retry_delay(delivery.attempt, retry_after)
    if delay is None:
        delivery.status, delivery.next_attempt_date = "failed", None
        disable_subscription(db.session.get(WebhookSubscription, delivery.subscription_id), "failing")
    else:
        delivery.next_attempt_date = now + timedelta(seconds=delay)


def record_successes(successes: list[tuple[str, Response]], now: datetime) -> None:
    """Mark delivered, in one statement: most attempts succeed, and each one costs no round trip."""
    if not successes:
        return
    table = WebhookDelivery.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("delivery")).values(
            status="succeeded", attempt=table.c.attempt + 1, last_attempt_date=now, leased_until=None,
            next_attempt_date=None, error=None, status_code=bindparam("code"), duration_ms=bindparam("ms")),
        [{"delivery": delivery_id, "code": answer.status_code, "ms": int(answer.elapsed * 1000)}
         for delivery_id, answer in successes])


def _send(client, outgoing: Outgoing) -> Response | OutboundError:
    try:
        return client.post(outgoing.url, outgoing.body, outgoing.headers)
    except OutboundError as error:
        return error


# While delivering, the pump takes events committed meanwhile this often.
REFILL_EVERY = 0.5


def pump(budget: float = 60.0, clock=utcnow, refill=None) -> dict[str, int]:
    """Deliver what is due, many at once, until nothing is due or `budget` seconds have passed.

    An endpoint starts with one delivery in flight and gets up to WEBHOOK_ENDPOINT_CONCURRENCY
    once it answers with success; a failure takes it back to one. So a dead endpoint holds one
    slot while it times out, and the others keep flowing. Returns how many attempts were made
    and how many succeeded. `refill()`, when given, is called every REFILL_EVERY seconds first
    (the worker fans out events committed since).
    """
    config = current_app.extensions["coalition.config"]
    slots, per_endpoint = config.webhook_concurrency, config.webhook_endpoint_concurrency
    client = outbound_client()
    deadline = time.monotonic() + budget
    in_flight: dict[Future, Outgoing] = {}
    busy: dict[str, int] = {}
    limits: dict[str, int] = {}
    attempts = succeeded = 0
    refilled = time.monotonic()
    with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="webhook") as executor:
        while True:
            if refill is not None and time.monotonic() - refilled >= REFILL_EVERY:
                refill()
                refilled = time.monotonic()
            free = slots - len(in_flight)
            if time.monotonic() < deadline and (free >= max(1, slots // REFILL_SHARE) or not in_flight):
                for outgoing in claim(free, busy, limits, per_endpoint, clock()):
                    in_flight[executor.submit(_send, client, outgoing)] = outgoing
                    busy[outgoing.subscription_id] = busy.get(outgoing.subscription_id, 0) + 1
                db.commit()
            if not in_flight:
                break
            done, _pending = wait(in_flight, timeout=1.0, return_when=FIRST_COMPLETED)
            now = clock()
            successes = []
            for future in done:
                outgoing = in_flight.pop(future)
                busy[outgoing.subscription_id] -= 1
                outcome = future.result()
                success = isinstance(outcome, Response) and 200 <= outcome.status_code < 300
                if success:
                    successes.append((outgoing.delivery_id, outcome))
                else:
                    record_outcome(outgoing.delivery_id, outcome, now)
                limits[outgoing.subscription_id] = per_endpoint if success else 1
                attempts += 1
                succeeded += success
            record_successes(successes, now)
            db.commit()
    return {"attempts": attempts, "succeeded": succeeded}


def next_due() -> datetime | None:
    """When the earliest pending delivery is due (or its lease ends)."""
    D = WebhookDelivery
    return db.session.scalar(select(func.min(func.coalesce(D.leased_until, D.next_attempt_date)))
                             .join(WebhookSubscription, WebhookSubscription.id == D.subscription_id)
                             .where(D.status == "pending", WebhookSubscription.status == "active"))
