from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, new_uuid, utcnow
from coalition.organizations.models import Organization


class ExportStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class ExportJob(Base):
    """An export built in the background; its file is kept until `expires_at`."""

    __tablename__ = "export_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    # The OAuth client_id that asked; kept as text so the record outlives a deleted client.
    client_id: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    labels: Mapped[str | None] = mapped_column(String(16), default=None)
    # ?dialect=excel: the locale whose spreadsheet conventions the CSV follows; None: plain CSV.
    excel_locale: Mapped[str | None] = mapped_column(String(16), default=None)
    # Coordinators (metrics:read) export every organization's rows, members only their own.
    all_organizations: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ExportStatus] = mapped_column(
        Enum(ExportStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ExportStatus.QUEUED,
    )
    rows: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    file_name: Mapped[str | None] = mapped_column(String(100), default=None)
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    started_date: Mapped[datetime | None] = mapped_column(default=None)
    finished_date: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None, index=True)

    organization: Mapped[Organization] = relationship()
    campaign: Mapped[Campaign] = relationship()

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())
