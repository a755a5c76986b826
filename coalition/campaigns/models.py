from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coalition.db import Base, TimestampMixin, new_uuid

KINDS = ("eci", "petition")
STATUSES = ("draft", "live", "closed")


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
