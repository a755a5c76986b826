"""Events written in the same transaction as the change they describe; the worker drains them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, String, insert
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


@dataclass(frozen=True)
class RecordedEvent:
    id: str
    kind: str
    payload: dict
    created_date: datetime


_INSERT = insert(OutboxEvent.__table__)


def record_event(kind: str, payload: dict) -> RecordedEvent:
    """Add an event to the current transaction (it commits or rolls back with the change); once
    it has committed, its delivery is set going.

    One plain INSERT, not an ORM object: every signature report writes an event, and the
    unit of work's flush cost a report more than the statement itself.
    """
    event = RecordedEvent(new_uuid(), kind, payload, utcnow())
    db.session.execute(_INSERT, {"id": event.id, "kind": kind, "payload": payload,
                                 "created_date": event.created_date, "dispatched_date": None})
    dispatch_after_commit()
    return event


def dispatch_after_commit() -> None:
    """Once the transaction commits, set the delivery of its events going (once however many)."""
    from coalition.webhooks.tasks import kick_dispatch

    if kick_dispatch not in db.session.info.get("after_commit", ()):
        db.after_commit(kick_dispatch)
