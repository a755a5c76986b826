"""Webhook routes: an organization manages its own subscriptions (`webhooks:manage`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from coalition.auth.guard import current_principal, require_scope
from coalition.db import paginate
from coalition.extensions import db
from coalition.schemas import PageArgsSchema, page_response, page_schema
from coalition.webhooks import operations
from coalition.webhooks.schemas import (
    PingSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookDeliverySchema,
    WebhookSchema,
    WebhookSecretSchema,
    WebhookUpdateSchema,
)

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks",
                description="Signed deliveries (Standard Webhooks) of what changed, to your own endpoints.")


def _own(subscription_id: str):
    return operations.get_subscription_or_404(subscription_id, current_principal().organization_id)


class _WithSecret:
    """A subscription together with the secret just issued, for the one answer that shows it."""

    def __init__(self, subscription, secret: str):
        self._subscription = subscription
        self.secret = secret

    def __getattr__(self, name):
        return getattr(self._subscription, name)


@blp.get("")
@require_scope("webhooks:manage")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(WebhookSchema))
def list_webhooks(args):
    """List your organization's subscriptions."""
    statement = operations.list_subscriptions_query(current_principal().organization_id)
    return page_response(paginate(statement, args["page"], args["per_page"]), WebhookSchema)


@blp.post("")
@require_scope("webhooks:manage")
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(data):
    """Subscribe an endpoint to events; the answer holds the signing secret, shown only once."""
    subscription, secret = operations.create_subscription(current_principal().organization_id, **data)
    db.commit()
    return _WithSecret(subscription, secret)


@blp.get("/<subscription_id>")
@require_scope("webhooks:manage")
@blp.response(200, WebhookSchema)
def get_webhook(subscription_id):
    """Show a subscription (never its secret)."""
    return _own(subscription_id)


@blp.patch("/<subscription_id>")
@require_scope("webhooks:manage")
@blp.arguments(WebhookUpdateSchema)
@blp.response(200, WebhookSchema)
def update_webhook(data, subscription_id):
    """Change a subscription's address, events, campaign or description, or turn it back on."""
    subscription = operations.update_subscription(_own(subscription_id), data)
    db.commit()
    return subscription


@blp.delete("/<subscription_id>")
@require_scope("webhooks:manage")
@blp.response(204)
def delete_webhook(subscription_id):
    """Delete a subscription and its delivery log."""
    operations.delete_subscription(_own(subscription_id))
    db.commit()


@blp.post("/<subscription_id>/rotate-secret")
@require_scope("webhooks:manage")
@blp.response(200, WebhookSecretSchema)
def rotate_webhook_secret(subscription_id):
    """Issue a new secret; for the overlap both secrets sign every delivery."""
    subscription = _own(subscription_id)
    secret = operations.rotate_secret(subscription)
    db.commit()
    return {"secret": secret, "previous_secret_expires": subscription.previous_secret_expires}


@blp.post("/<subscription_id>/ping")
@require_scope("webhooks:manage")
@blp.response(202, PingSchema)
def ping_webhook(subscription_id):
    """Send a `webhook.ping` event to this subscription."""
    event = operations.ping(_own(subscription_id))
    db.commit()
    return {"event_id": event.id}


@blp.get("/<subscription_id>/deliveries")
@require_scope("webhooks:manage")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(WebhookDeliverySchema))
def list_deliveries(args, subscription_id):
    """The delivery log, newest first: event, attempts, last status code and duration, next attempt."""
    statement = operations.list_deliveries_query(_own(subscription_id))
    return page_response(paginate(statement, args["page"], args["per_page"]), WebhookDeliverySchema)


@blp.post("/<subscription_id>/deliveries/<delivery_id>/redeliver")
@require_scope("webhooks:manage")
@blp.response(202, WebhookDeliverySchema)
def redeliver(subscription_id, delivery_id):
    """Send a delivery again now, with the same webhook-id."""
    delivery = operations.redeliver(_own(subscription_id), delivery_id)
    db.commit()
    return delivery
