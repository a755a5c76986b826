from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.db import Base, TimestampMixin, new_time_ordered_uuid, new_uuid, utcnow
from coalition.organizations.models import Organization

KINDS = ("eci", "petition")
STATUSES = ("draft", "live", "closed")
CHANNELS = ("paper", "online")
MODES = ("total", "delta")


class Campaign(TimestampMixin, Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    kind: Mapped[str] = mapped_column(String(16), default="eci")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    signature_goal: Mapped[int] = mapped_column(Integer, default=1_000_000)
    eci_registered_on: Mapped[date | None] = mapped_column(default=None)
    source_locale: Mapped[str] = mapped_column(String(16), default="en")
    locales: Mapped[list[str]] = mapped_column(JSON, default=list)
    expected_validity_rate: Mapped[float] = mapped_column(Float, default=0.85)
    # Petitions may set their own per-country targets ({"DE": 5000}); ECI thresholds are derived.
    country_targets: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    closed_date: Mapped[datetime | None] = mapped_column(default=None)
    # The public counter as it stood when the campaign closed; later corrections do not move it.
    frozen_counter: Mapped[dict | None] = mapped_column(JSON, default=None)


# A report's `as_of` may be this far after the moment it is made (clocks differ), never more.
FUTURE_TOLERANCE = timedelta(minutes=5)
# The largest figure of one (campaign, organization, country, channel): more than twice the
# Union's population, so only a mistake reaches it, and it fits the ledger's 32-bit `figure`.
# Sums of figures (campaign and country totals) are 64-bit in every column and query.
MAX_FIGURE = 1_000_000_000


class SignatureReport(Base):
    """One report of the append-only ledger; `figure` is the tally's figure right after it.

    Every batch of 1000 reports pays for each index entry, so the ledger has two, and new reports
    only append to them: the primary key, a campaign's reports in the order they were made (ids
    are time-ordered UUIDs), and a BRIN range index on the time they were made (on PostgreSQL; a
    plain index elsewhere), which finds the reports made after a moment. A BRIN index on `as_of`
    finds the reports of one day for the metrics' figures at a moment within it; it costs a batch
    next to nothing, as a range index only widens a range when a report falls outside it.
    """

    __tablename__ = "signature_reports"
    __table_args__ = (
        Index("ix_signature_reports_created_date", "created_date", postgresql_using="brin"),
        Index("ix_signature_reports_as_of", "as_of", postgresql_using="brin"),
    )

    # No foreign keys: PostgreSQL checks them row by row, which tripled the cost of a batch of
    # 1000 reports. Every report's (campaign, organization) is the key of a tally written in the
    # same transaction, and the tally's foreign keys guard it; reports are never deleted.
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_time_ordered_uuid)
    organization_id: Mapped[str] = mapped_column(String(36))
    country: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    figure: Mapped[int] = mapped_column(Integer)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    # The counter source whose poll wrote the report; None for reports a client sent.
    source_id: Mapped[str | None] = mapped_column(String(36), default=None)

    organization: Mapped[Organization] = relationship(
        lazy="joined", primaryjoin="foreign(SignatureReport.organization_id) == Organization.id")


class SignatureTally(Base):
    """The current figure of a (campaign, organization, country, channel).

    The figure is the newest total (by `as_of`) plus the deltas reported after it; a delta at or
    before that total is in the ledger but already counted in the total.
    """

    __tablename__ = "signature_tallies"

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    total_count: Mapped[int | None] = mapped_column(Integer, default=None)
    total_as_of: Mapped[datetime | None] = mapped_column(default=None)
    delta_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    # The newest delta's as_of: a new total later than it has no deltas after it to look up.
    last_delta_as_of: Mapped[datetime | None] = mapped_column(default=None)
    figure: Mapped[int] = mapped_column(BigInteger, default=0)
    # The key's reports in the ledger: the ledger list's total, without counting the ledger.
    report_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    modified_date: Mapped[datetime] = mapped_column(default=utcnow)


class SignatureDayFigure(Base):
    """The figure of a (campaign, organization, country, channel) at the end of a day (UTC, by `as_of`).

    Written with the tallies, in the same transaction, so that series and metrics add up these
    rows instead of replaying the ledger. A key has a row for each day with a report of that
    day; until its next row the figure stays. `increment` is the change since the key's previous
    row, so a sum of increments over any group and days is that group's change; `total_as_of`
    is the newest total of the day, which ends the reach of earlier deltas (see SignatureTally).
    No foreign keys, as for the ledger: the tally of the same key guards them.
    """

    __tablename__ = "signature_day_figures"

    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    figure: Mapped[int] = mapped_column(BigInteger)
    increment: Mapped[int] = mapped_column(BigInteger)
    total_as_of: Mapped[datetime | None] = mapped_column(default=None)


class Verification(Base):
    """What a national authority found valid among the statements submitted in one country."""

    __tablename__ = "signature_verifications"
    __table_args__ = (UniqueConstraint("campaign_id", "country"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))
    submitted: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[date]
    verified_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    modified_date: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Milestone(Base):
    """A milestone already announced (`goal`, `threshold:DE`), so each fires once."""

    __tablename__ = "campaign_milestones"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    reached_date: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """The first answer to a request sent with an `Idempotency-Key`, per organization."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    created_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
