"""What federation stores: the hubs that push to this instance, and the upstreams it pushes to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, TimestampMixin, new_uuid
from coalition.organizations.models import Organization

UPSTREAM_STATUSES = ("active", "failing", "paused")


class FederatedHub(TimestampMixin, Base):
    """Upstream: the last snapshot accepted from one hub organization for one campaign.

    Its figures are in the ledger as the hub organization's totals; this row keeps what the
    ledger has no place for: the sequence, the chain of instances and the hub's own members.
    """

    __tablename__ = "federated_hubs"
    __table_args__ = (UniqueConstraint("campaign_id", "organization_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    instance: Mapped[str] = mapped_column(String(300))
    sequence: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[datetime]
    origin: Mapped[list] = mapped_column(JSON)
    organizations: Mapped[list] = mapped_column(JSON)
    received_date: Mapped[datetime]

    organization: Mapped[Organization] = relationship(lazy="joined")


class Upstream(TimestampMixin, Base):
    """Downstream: another Coalition instance this one pushes a campaign's figures to."""

    __tablename__ = "federation_upstreams"
    __table_args__ = (UniqueConstraint("campaign_id", "url", "upstream_campaign"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(300))
    upstream_campaign: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_ciphertext: Mapped[str] = mapped_column(Text, info={"encrypted": True})
    status: Mapped[str] = mapped_column(String(16), default="active")
    # The sequence of the last snapshot sent; the next one is higher.
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    # A hash of the last snapshot the upstream accepted: an unchanged one waits for the nightly push.
    pushed_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_date: Mapped[datetime | None] = mapped_column(default=None)
    last_success_date: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_applied: Mapped[bool | None] = mapped_column(default=None)
    next_attempt_date: Mapped[datetime | None] = mapped_column(default=None, index=True)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
