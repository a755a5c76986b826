"""The declarative base, the session bound to the app context, and pagination."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, request, url_for
from sqlalchemy import DateTime, MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_time_ordered_uuid() -> str:
    return new_time_ordered_uuids(1)[0]


class _Ticks:
    """Milliseconds since the epoch and a 12-bit counter, as one number that only grows in this
    process: ids made in the same millisecond, by one request or several, still sort in order."""

    def __init__(self) -> None:
        self._last = -1
        self._lock = threading.Lock()

    def take(self, count: int) -> int:
        """The first of `count` consecutive ticks."""
        with self._lock:
            first = max(time.time_ns() // 1_000_000 << 12, self._last + 1)
            self._last = first + count - 1
            return first


_ticks = _Ticks()


def new_time_ordered_uuids(count: int) -> list[str]:
    """`count` version 7 UUIDs (RFC 9562): the time in milliseconds, a counter, then 62 random
    bits. They sort in the order they were made, so the ledger's primary key grows at its right
    edge. One read of the OS's randomness serves the whole list."""
    first = _ticks.take(count)
    randomness = bytearray(os.urandom(8 * count))
    # Variant bits 10: the two high bits of each id's first random byte.
    randomness[::8] = bytes(byte & 0x3F | 0x80 for byte in randomness[::8])
    h = randomness.hex()
    ids = []
    for tick, i in zip(range(first, first + count), range(0, 16 * count, 16)):
        t = f"{tick:015x}"
        ids.append(f"{t[:8]}-{t[8:12]}-7{t[12:]}-{h[i:i + 4]}-{h[i + 4:i + 16]}")
    return ids


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    modified_date: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _configure_sqlite_connection(dbapi_connection, _record):
    # SQLAlchemy, not pysqlite, manages transactions, so SAVEPOINTs work (tests roll back).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _begin_sqlite_transaction(connection):
    # IMMEDIATE takes the write lock up front: two writers queue on the busy timeout instead of
    # failing when a read lock cannot be upgraded.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        from sqlalchemy.pool import StaticPool

        options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_idle_connections(engine)
    return engine


# A pooled connection idle this long is pinged before use: the server or a proxy may have closed
# it. Pinging on every checkout (pool_pre_ping) would cost each request one more round trip.
IDLE_BEFORE_PING = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    def remember_checkin(_dbapi_connection, record) -> None:
        record.info["checked_in"] = time.monotonic()

    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("checked_in")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out another.
            raise DisconnectionError() from error

    event.listen(engine, "checkin", remember_checkin)
    event.listen(engine, "checkout", ping_if_idle)


class AppSession(Session):
    """A session on the current app's engine, unless bound explicitly (tests bind a connection)."""

    def get_bind(self, mapper=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["coalition.engine"]


class Database:
    """One session per app context, on the engine of the current app."""

    def __init__(self) -> None:
        self.session = scoped_session(sessionmaker(class_=AppSession, expire_on_commit=False))

    def init_app(self, app: Flask) -> None:
        app.extensions["coalition.engine"] = make_engine(app.extensions["coalition.config"].database_url)
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["coalition.engine"]

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()

    def after_commit(self, callback) -> None:
        """Run `callback()` once the current transaction has committed (dropped on rollback)."""
        self.session.info.setdefault("after_commit", []).append(callback)

    def commit(self) -> None:
        """Commit, then run what waited for the commit: jobs, cache refreshes."""
        self.session.commit()
        callbacks = self.session.info.pop("after_commit", [])
        for callback in callbacks:
            try:
                callback()
            except Exception:
                # The write is committed: a cache or queue that fails now (Redis down) must not
                # turn its answer into an error. What was missed is caught up (outbox, cache expiry).
                logging.getLogger(__name__).exception("after-commit step %r failed", callback)

    def rollback(self) -> None:
        self.session.rollback()
        self.session.info.pop("after_commit", None)


def paginate(statement, page: int, per_page: int) -> dict:
    """Run a select for one page: items, total, page, per_page, and the RFC 8288 links."""
    from coalition.extensions import db

    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def link_header(page: int, per_page: int, total: int) -> str:
    """RFC 8288 Link header for a paginated list at the current URL."""
    last = max(1, -(-total // per_page))
    args = dict(request.view_args or {})
    query = request.args.to_dict()

    def url(target: int) -> str:
        return url_for(request.endpoint, **args, **{**query, "page": target, "per_page": per_page}, _external=False)

    links = [f'<{url(1)}>; rel="first"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    return ", ".join(links)
