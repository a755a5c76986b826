"""Counter sources and the history of their polls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, TimestampMixin, new_uuid, utcnow
from coalition.organizations.models import Organization

KINDS = ("eci_online", "proca", "action_network", "json")
STATUSES = ("active", "failing", "paused")
# What a kept run says happened; a poll that changed nothing keeps no run (it writes nothing).
OUTCOMES = ("changed", "held", "failed", "recovered", "accepted")


class CounterSource(TimestampMixin, Base):
    __tablename__ = "counter_sources"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2000))
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    channel: Mapped[str] = mapped_column(String(8), default="online")
    interval: Mapped[int] = mapped_column(Integer, default=300)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    credentials_ciphertext: Mapped[str | None] = mapped_column(Text, default=None, info={"encrypted": True})
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Consecutive failed polls: the backoff grows with them, and the first one announces the outage.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_polled: Mapped[datetime | None] = mapped_column(default=None)
    last_success: Mapped[datetime | None] = mapped_column(default=None)
    # {"code", "params"}: rendered in the language of each request that reads it.
    last_error: Mapped[dict | None] = mapped_column(JSON, default=None)
    # Country → the figure the source answered last.
    last_values: Mapped[dict | None] = mapped_column(JSON, default=None)
    # Country → {"count", "current", "as_of"}: lower figures waiting for a coordinator.
    held: Mapped[dict | None] = mapped_column(JSON, default=None)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")


class SourceRun(Base):
    """A poll that changed something: figures written or held, a failure, a recovery."""

    __tablename__ = "counter_source_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    source_id: Mapped[str] = mapped_column(ForeignKey("counter_sources.id", ondelete="CASCADE"), index=True)
    started_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict | None] = mapped_column(JSON, default=None)
    written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[dict | None] = mapped_column(JSON, default=None)
