"""The rules for an organization's webhook subscriptions. Never commits."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from coalition import crypto
from coalition.campaigns.operations import get_campaign
from coalition.db import utcnow
from coalition.errors import NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.outbound import OutboundError, RefusedDestination, outbound_client
from coalition.outbox import record_event
from coalition.webhooks.models import WebhookDelivery, WebhookSubscription
from coalition.webhooks.tasks import kick_dispatch

MAX_SUBSCRIPTIONS = 20


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def check_url(url: str) -> None:
    """Refuse, as a 422 on `url`, what the outbound client would refuse to reach."""
    try:
        outbound_client().check_url(url)
    except RefusedDestination as error:
        if error.code == "scheme":
            message = _("Use an https:// address with a host name and no credentials.")
        else:
            message = _("This address leads to a loopback, private or otherwise non-public network.")
        raise ValidationFailed(errors={"url": [message]}) from None
    except OutboundError:
        raise ValidationFailed(errors={"url": [_("This host name does not resolve.")]}) from None


def _campaign_id(slug: str | None) -> str | None:
    if slug is None:
        return None
    campaign = get_campaign(slug)
    if campaign is None:
        raise ValidationFailed(errors={"campaign": [_("No campaign has this slug.")]})
    return campaign.id


def list_subscriptions_query(organization_id: str):
    return (select(WebhookSubscription).filter_by(organization_id=organization_id)
            .order_by(WebhookSubscription.created_date, WebhookSubscription.id))


def get_subscription_or_404(subscription_id: str, organization_id: str) -> WebhookSubscription:
    """One of the organization's own subscriptions; another organization's does not exist for it."""
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None or subscription.organization_id != organization_id:
        raise NotFound(_("No webhook subscription has this id."))
    return subscription


def create_subscription(organization_id: str, *, url: str, events: list[str], campaign: str | None = None,
                        description: str = "") -> tuple[WebhookSubscription, str]:
    """A new active subscription and its secret (answered once, stored encrypted)."""
    count = db.session.scalar(select(func.count()).select_from(WebhookSubscription)
                              .filter_by(organization_id=organization_id))
    if count >= MAX_SUBSCRIPTIONS:
        raise ValidationFailed(_("An organization may have at most %(count)d webhook subscriptions.",
                                 count=MAX_SUBSCRIPTIONS))
    check_url(url)
    secret = new_secret()
    subscription = WebhookSubscription(
        organization_id=organization_id, url=url, events=events, campaign_id=_campaign_id(campaign),
        description=description, status="active", secret_ciphertext=crypto.encrypt(secret))
    db.session.add(subscription)
    db.session.flush()
    return subscription, secret


def update_subscription(subscription: WebhookSubscription, changes: dict) -> WebhookSubscription:
    """Change what a subscription hears or where; `"status": "active"` turns a disabled one back on."""
    if "url" in changes:
        check_url(changes["url"])
        subscription.url = changes["url"]
    if "campaign" in changes:
        subscription.campaign_id = _campaign_id(changes["campaign"])
    for name in ("events", "description"):
        if name in changes:
            setattr(subscription, name, changes[name])
    if changes.get("status") and changes["status"] != subscription.status:
        subscription.status = changes["status"]
        subscription.disabled_reason = None if changes["status"] == "active" else "by_request"
    subscription.modified_date = utcnow()
    db.session.flush()
    db.session.refresh(subscription, ["campaign"])
    return subscription


def delete_subscription(subscription: WebhookSubscription) -> None:
    db.session.delete(subscription)
    db.session.flush()


def rotate_secret(subscription: WebhookSubscription) -> str:
    """A new secret; the old one keeps signing beside it for SECRET_ROTATION_OVERLAP."""
    overlap = current_app.extensions["coalition.config"].secret_rotation_overlap
    secret = new_secret()
    subscription.previous_secret_ciphertext = subscription.secret_ciphertext
    subscription.previous_secret_expires = utcnow() + timedelta(seconds=overlap)
    subscription.secret_ciphertext = crypto.encrypt(secret)
    subscription.modified_date = utcnow()
    db.session.flush()
    return secret


def ping(subscription: WebhookSubscription):
    """A `webhook.ping` event for this subscription only."""
    return record_event("webhook.ping", {"organization": subscription.organization.slug,
                                         "subscription": subscription.id})


def list_deliveries_query(subscription: WebhookSubscription):
    return (select(WebhookDelivery).filter_by(subscription_id=subscription.id)
            .order_by(WebhookDelivery.created_date.desc(), WebhookDelivery.id))


def redeliver(subscription: WebhookSubscription, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again, now, with the same webhook-id; its attempts count afresh."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound(_("This subscription has no delivery with this id."))
    delivery.status, delivery.attempt, delivery.next_attempt_date = "pending", 0, utcnow()
    delivery.leased_until = None
    db.session.flush()
    db.after_commit(kick_dispatch)
    return delivery
