from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.db import Base, new_uuid, utcnow


class AuditEntry(Base):
    """One change committed through the API, or a sign-in. No full IP address is kept, by design:
    sign-ins keep the caller's network (/24, /48)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_organization_created_date", "organization", "created_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    # Slugs and client ids as text, not foreign keys: the log outlives deleted clients.
    organization: Mapped[str | None] = mapped_column(String(64), default=None)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(120), index=True)
    method: Mapped[str] = mapped_column(String(8))
    object_type: Mapped[str | None] = mapped_column(String(64), default=None)
    object_id: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    network: Mapped[str | None] = mapped_column(String(50), default=None)
    created_date: Mapped[datetime] = mapped_column(default=utcnow, index=True)
