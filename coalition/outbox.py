"""Events written in the same transaction as the change they describe; the worker drains them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.db import Base, new_uuid, utcnow
from coalition.extensions import db


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_date: Mapped[datetime | None] = mapped_column(default=None, index=True)


def record_event(kind: str, payload: dict) -> OutboxEvent:
    """Add an event to the current transaction (it commits or rolls back with the change); once
    it has committed, its delivery is set going."""
    from coalition.webhooks.tasks import kick_dispatch

    event = OutboxEvent(kind=kind, payload=payload, created_date=utcnow())
    db.session.add(event)
    if kick_dispatch not in db.session.info.get("after_commit", ()):
        db.after_commit(kick_dispatch)
    return event
