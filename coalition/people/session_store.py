"""Server-side page sessions: the cookie holds a random id, the values live in Redis, or in the
database on the embedded default. Only the id's hash is stored, so a copy of the store opens no
session.

Sessions end after an idle time and after an absolute lifetime, whichever comes first. While
Redis is down a session cannot be read: the session is marked unavailable and the pages that
need it answer a clear 503 page (never a 500); pages that need none keep working.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select
from werkzeug.datastructures import CallbackDict

from coalition.extensions import db

log = logging.getLogger(__name__)

COOKIE_NAME = "coalition_session"
KEY_PREFIX = "coalition-session:"
# A session's last-seen time is written at most this often, not on every page.
SEEN_RESOLUTION = 60


class StoreUnavailable(RuntimeError):
    """The session store (Redis) did not answer."""


class PageSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None, unavailable: bool = False):
        def on_update(session):
            session.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.new = sid is None
        self.modified = False
        self.unavailable = unavailable
        self.replaced: str | None = None

    def rotate(self) -> None:
        """A new id for the same values (at sign-in: an id known before it opens nothing after)."""
        if self.sid and not self.replaced:
            self.replaced = self.sid
        self.sid = None
        self.new = True
        self.modified = True


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class RedisStore:
    def __init__(self, client) -> None:
        self.client = client

    def _call(self, operation):
        import redis

        try:
            return operation()
        except redis.RedisError as error:
            raise StoreUnavailable(str(error)) from error

    def load(self, sid: str) -> dict | None:
        raw = self._call(lambda: self.client.get(KEY_PREFIX + _hash(sid)))
        return json.loads(raw) if raw else None

    def save(self, sid: str, data: dict, ttl: int) -> None:
        self._call(lambda: self.client.set(KEY_PREFIX + _hash(sid), json.dumps(data), ex=max(ttl, 1)))

    def delete(self, sid: str) -> None:
        self._call(lambda: self.client.delete(KEY_PREFIX + _hash(sid)))

    def check(self) -> None:
        self._call(self.client.ping)


class DatabaseStore:
    """Sessions in the request's own database session, committed after the view's commit."""

    def load(self, sid: str) -> dict | None:
        from coalition.people.models import StoredSession

        stored = db.session.get(StoredSession, _hash(sid))
        if stored is None or stored.expires_at <= datetime.now(UTC):
            return None
        return dict(stored.data)

    def save(self, sid: str, data: dict, ttl: int) -> None:
        from coalition.people.models import StoredSession

        db.session.merge(StoredSession(id_hash=_hash(sid), data=data,
                                       expires_at=datetime.now(UTC) + timedelta(seconds=ttl)))
        db.commit()

    def delete(self, sid: str) -> None:
        from coalition.people.models import StoredSession

        db.session.execute(delete(StoredSession).where(StoredSession.id_hash == _hash(sid)))
        db.commit()

    def check(self) -> None:
        return None


def remove_expired_sessions() -> int:
    """Delete the database's expired sessions (housekeeping); Redis expires its own."""
    from coalition.people.models import StoredSession

    expired = select(StoredSession.id_hash).where(StoredSession.expires_at <= datetime.now(UTC))
    return db.session.execute(delete(StoredSession).where(StoredSession.id_hash.in_(expired))).rowcount


def secure_cookies(public_url: str) -> bool:
    """`Secure` everywhere but plain HTTP on a loopback address (a developer's own machine)."""
    parts = urlsplit(public_url)
    if parts.scheme != "http":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


class ServerSideSessions(SessionInterface):
    def __init__(self, store, idle: int, lifetime: int, secure: bool) -> None:
        self.store = store
        self.idle = idle
        self.lifetime = lifetime
        self.secure = secure

    def open_session(self, app: Flask, request) -> PageSession:
        sid = request.cookies.get(COOKIE_NAME)
        if not sid:
            return PageSession()
        try:
            data = self.store.load(sid)
        except StoreUnavailable:
            log.warning("session store unavailable: a page session could not be read")
            return PageSession(unavailable=True)
        now = int(time.time())
        if data is None or now - data.get("_created", 0) > self.lifetime or now - data.get("_seen", 0) > self.idle:
            return PageSession()
        session = PageSession(data, sid=sid)
        if now - data["_seen"] >= SEEN_RESOLUTION:
            session["_seen"] = now
        return session

    def remaining(self, session: PageSession) -> int:
        """Seconds until the session ends unless used again."""
        now = int(time.time())
        return max(0, min(self.idle, session["_created"] + self.lifetime - now))

    def write(self, session: PageSession) -> None:
        """Store the session now (raises StoreUnavailable): sign-in must know it took."""
        now = int(time.time())
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.setdefault("_created", now)
        session["_seen"] = now
        if session.replaced:
            self.store.delete(session.replaced)
            session.replaced = None
        self.store.save(session.sid, dict(session), self.remaining(session))
        session.modified = False
        session.written = True

    def save_session(self, app: Flask, session: PageSession, response) -> None:
        if session.unavailable:
            return
        if not session:
            if session.sid:
                self._quietly(lambda: self.store.delete(session.sid))
                response.delete_cookie(COOKIE_NAME, path="/", secure=self.secure, httponly=True, samesite="Lax")
            return
        written = getattr(session, "written", False)
        if session.modified:
            written = self._quietly(lambda: self.write(session)) or written
        if written:
            expires = datetime.fromtimestamp(session["_created"] + self.lifetime, UTC)
            response.set_cookie(COOKIE_NAME, session.sid, expires=expires, path="/", secure=self.secure,
                                httponly=True, samesite="Lax")
            response.vary.add("Cookie")

    def _quietly(self, operation) -> bool:
        # After the view's answer is decided: a store outage loses this change, not the answer.
        try:
            operation()
            return True
        except StoreUnavailable:
            log.warning("session store unavailable: a page session was not saved")
            return False


def init_app(app: Flask) -> None:
    config = app.extensions["coalition.config"]
    redis = app.extensions["coalition.redis"]
    store = RedisStore(redis) if redis is not None else DatabaseStore()
    app.session_interface = ServerSideSessions(store, config.session_idle_timeout, config.session_lifetime,
                                               secure_cookies(config.public_url))
