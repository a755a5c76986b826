"""What the API shows and takes of webhook subscriptions and their deliveries."""

from __future__ import annotations

import marshmallow as ma

from coalition.i18n import _
from coalition.validation import Slug, UTCDateTime
from coalition.webhooks.events import EVENT_TYPES
from coalition.webhooks.models import DELIVERY_STATUSES, STATUSES

EVENT_CHOICES = ("*", *EVENT_TYPES)


def _single_wildcard(events: list[str]) -> None:
    if "*" in events and len(events) > 1:
        raise ma.ValidationError(_("\"*\" stands for every event type: give it alone."))


class _WebhookFields(ma.Schema):
    # Checked by the outbound client's own rules (coalition/outbound.py), which know IPv6 literals.
    url = ma.fields.String(validate=ma.validate.Length(min=1, max=2000),
                           metadata={"description": "https:// address that receives the deliveries"})
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EVENT_CHOICES)),
        validate=[ma.validate.Length(min=1, max=len(EVENT_CHOICES)), _single_wildcard],
        metadata={"description": 'event types, or ["*"] for all of them'})
    campaign = Slug(allow_none=True, metadata={"description": "only events of this campaign; null: all"})
    description = ma.fields.String(validate=ma.validate.Length(max=500))


class WebhookCreateSchema(_WebhookFields):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    events = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EVENT_CHOICES)), required=True,
                            validate=[ma.validate.Length(min=1, max=len(EVENT_CHOICES)), _single_wildcard])
    campaign = Slug(allow_none=True, load_default=None)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class WebhookUpdateSchema(_WebhookFields):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES),
                              metadata={"description": "`active` turns a disabled subscription back on"})


class WebhookSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    url = ma.fields.String(dump_only=True)
    events = ma.fields.List(ma.fields.String(), dump_only=True)
    campaign = ma.fields.Function(lambda s: s.campaign.slug if s.campaign else None, dump_only=True,
                                  metadata={"type": ["string", "null"]})
    description = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    disabled_reason = ma.fields.String(dump_only=True, allow_none=True,
                                       metadata={"enum": ["gone", "failing", "by_request", None]})
    created_date = UTCDateTime(dump_only=True)
    modified_date = UTCDateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(dump_only=True, metadata={"description": "shown once: keep it"})


class WebhookSecretSchema(ma.Schema):
    secret = ma.fields.String(dump_only=True, metadata={"description": "the new secret, shown once"})
    previous_secret_expires = UTCDateTime(dump_only=True,
                                          metadata={"description": "until then the old secret signs too"})


class WebhookDeliverySchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    event_id = ma.fields.String(dump_only=True, metadata={"description": "the webhook-id header"})
    event_type = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(DELIVERY_STATUSES)})
    attempt = ma.fields.Integer(dump_only=True, metadata={"description": "attempts made so far"})
    status_code = ma.fields.Integer(dump_only=True, allow_none=True)
    duration_ms = ma.fields.Integer(dump_only=True, allow_none=True)
    error = ma.fields.String(dump_only=True, allow_none=True)
    next_attempt_date = UTCDateTime(dump_only=True, allow_none=True)
    last_attempt_date = UTCDateTime(dump_only=True, allow_none=True)
    created_date = UTCDateTime(dump_only=True)


class PingSchema(ma.Schema):
    event_id = ma.fields.String(dump_only=True)
