from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.db import Base, TimestampMixin, new_uuid

ROLES = ("member", "coordinator")
STATUSES = ("active", "suspended")
# A hub is another Coalition instance that pushes its figures as one partner (DESIGN §7.4).
KINDS = ("organization", "hub")


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    website: Mapped[str | None] = mapped_column(String(300), default=None)
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    kind: Mapped[str] = mapped_column(String(16), default="organization", server_default="organization")

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_hub(self) -> bool:
        return self.kind == "hub"

    @property
    def is_active(self) -> bool:
        return self.status == "active"
