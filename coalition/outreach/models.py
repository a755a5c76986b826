"""Outreach actions: places, dates and numbers — never the people reached."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, TimestampMixin, new_uuid
from coalition.organizations.models import Organization

KINDS = ("street_stall", "event", "canvassing", "online_ad", "email", "social_post", "press",
         "meeting_official", "other")

# The identifier scheme of actions created here, in OSDI `identifiers`.
IDENTIFIER_PREFIX = "coalition"


class OutreachAction(TimestampMixin, Base):
    __tablename__ = "outreach_actions"
    __table_args__ = (
        # A portal re-sending the same action (same origin system and id) updates it; NULLs are
        # distinct on both backends, so actions without an external id never collide.
        UniqueConstraint("organization_id", "origin_system", "external_id",
                         name="uq_outreach_actions_origin"),
        Index("ix_outreach_actions_campaign_date", "campaign_id", "action_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    action_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    country: Mapped[str] = mapped_column(String(2))
    locality: Mapped[str | None] = mapped_column(String(120), default=None)
    reach: Mapped[int] = mapped_column(Integer, default=0)
    signatures_collected: Mapped[int | None] = mapped_column(Integer, default=None)
    # Ids (UUID strings) of materials of the same campaign, checked on every write.
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    origin_system: Mapped[str | None] = mapped_column(String(100), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def identifiers(self) -> list[str]:
        """OSDI identifiers: ours, and the origin system's when the action came from one."""
        identifiers = [f"{IDENTIFIER_PREFIX}:{self.id}"]
        if self.origin_system and self.external_id:
            identifiers.append(f"{self.origin_system}:{self.external_id}")
        return identifiers
