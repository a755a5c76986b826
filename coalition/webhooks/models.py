"""Subscriptions and their deliveries: one delivery per (subscription, event), retried in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, TimestampMixin, new_uuid, utcnow
from coalition.organizations.models import Organization

STATUSES = ("active", "disabled")
DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class WebhookSubscription(TimestampMixin, Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), default=None)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    secret_ciphertext: Mapped[str] = mapped_column(Text, info={"encrypted": True})
    # After a rotation the previous secret signs too, until it expires (Standard Webhooks allows
    # several signatures in one header).
    previous_secret_ciphertext: Mapped[str | None] = mapped_column(Text, default=None, info={"encrypted": True})
    previous_secret_expires: Mapped[datetime | None] = mapped_column(default=None)

    organization: Mapped[Organization] = relationship(lazy="joined")
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")

    def wants(self, kind: str) -> bool:
        return "*" in self.events or kind in self.events


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    # An event reaches a subscription once: fanning out again after a crash adds nothing.
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(String(300), default=None)
    # Due when pending and this has passed; None once succeeded or given up.
    next_attempt_date: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # A worker sending it holds it until then; a worker killed mid-delivery lets it go by expiry.
    leased_until: Mapped[datetime | None] = mapped_column(default=None)
    created_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_attempt_date: Mapped[datetime | None] = mapped_column(default=None)
