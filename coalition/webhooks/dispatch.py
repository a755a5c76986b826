"""From the outbox to deliveries: each committed event becomes one delivery per subscription
that wants it and may see it. Never commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from coalition.campaigns.tallies import insert_ignoring_conflicts
from coalition.db import new_uuid, utcnow
from coalition.extensions import db
from coalition.organizations.models import Organization
from coalition.outbox import OutboxEvent
from coalition.webhooks.events import visible_to
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription

BATCH = 500


def _active_subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(
        select(WebhookSubscription).join(Organization, WebhookSubscription.organization_id == Organization.id)
        .where(WebhookSubscription.status == "active", Organization.status == "active")))


def receives(subscription: WebhookSubscription, event: OutboxEvent) -> bool:
    kind, payload = event.kind, event.payload
    if kind != "webhook.ping" and not subscription.wants(kind):
        return False
    if subscription.campaign is not None and payload.get("campaign") != subscription.campaign.slug:
        return False
    return visible_to(subscription, kind, payload)


def fan_out(now: datetime | None = None, limit: int = BATCH) -> int:
    """Turn up to `limit` undispatched events into deliveries; the number of events taken.

    Taking an event and adding its deliveries happen in one transaction, and a delivery is
    unique per (subscription, event): a crash between the two leaves the event to be taken
    again, never a second delivery with another id.
    """
    now = now or utcnow()
    statement = (select(OutboxEvent).where(OutboxEvent.dispatched_date.is_(None))
                 .order_by(OutboxEvent.created_date).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    events = list(db.session.scalars(statement))
    if not events:
        return 0
    subscriptions = _active_subscriptions()
    rows = []
    for event in events:
        rows += [{"id": new_uuid(), "subscription_id": subscription.id, "event_id": event.id,
                  "event_type": event.kind, "status": "pending", "attempt": 0, "next_attempt_date": now,
                  "created_date": now} for subscription in subscriptions if receives(subscription, event)]
        event.dispatched_date = now
    for start in range(0, len(rows), 1000):
        insert_ignoring_conflicts(WebhookDelivery.__table__, rows[start:start + 1000])
    db.session.flush()
    return len(events)


def purge_old(retention_days: int, now: datetime | None = None) -> dict[str, int]:
    """Drop finished deliveries and dispatched events older than the retention period."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    deliveries = db.session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.created_date < cutoff, WebhookDelivery.status != "pending")).rowcount
    still_pending = exists().where(WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.status == "pending")
    events = db.session.execute(delete(OutboxEvent).where(
        OutboxEvent.dispatched_date < cutoff, ~still_pending)).rowcount
    return {"webhook_deliveries": deliveries, "outbox_events": events}
