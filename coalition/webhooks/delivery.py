"""Signed delivery (Standard Webhooks v1): the message, its signatures, the retry schedule, and
what an attempt's outcome does to its delivery. The pump (pump.py) sends.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from standardwebhooks import Webhook

from coalition import crypto
from coalition.extensions import db
from coalition.outbound import OutboundError, Response
from coalition.outbox import OutboxEvent, record_event
from coalition.validation import rfc3339
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription

# Seconds before each retry after a failed attempt (Standard Webhooks' schedule), with jitter.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1


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


# A subscription's secret signs every delivery to it: decrypted once, not per delivery. A
# rotation stores a new ciphertext, and so makes a new entry.
_decrypt = lru_cache(maxsize=4096)(crypto.decrypt)


@lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, and during the overlap after a rotation the previous one too."""
    secrets = [_decrypt(subscription.secret_ciphertext)]
    if subscription.previous_secret_ciphertext and (subscription.previous_secret_expires or now) > now:
        secrets.append(_decrypt(subscription.previous_secret_ciphertext))
    return secrets


def signed_headers(message_id: str, body: str, secrets: list[str], now: datetime) -> dict[str, str]:
    moment = datetime.fromtimestamp(int(now.timestamp()), UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(_signer(secret).sign(message_id, moment, body) for secret in secrets),
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


def next_due(held: dict[str, datetime] | None = None) -> datetime | None:
    """When the earliest pending delivery is due (or its lease ends); the deliveries of the
    subscriptions in `held` wait until the time it gives for each."""
    D = WebhookDelivery
    statement = (select(func.min(func.coalesce(D.leased_until, D.next_attempt_date)))
                 .join(WebhookSubscription, WebhookSubscription.id == D.subscription_id)
                 .where(D.status == "pending", WebhookSubscription.status == "active"))
    if held:
        statement = statement.where(D.subscription_id.not_in(list(held)))
    moments = [moment for moment in (db.session.scalar(statement), *(held or {}).values()) if moment is not None]
    return min(moments, default=None)
