"""A small key-value cache: Redis when configured, in-process otherwise.

Redis only ever speeds things up or hands work to the worker; the database holds every fact.
So while Redis is down or frozen, the cache answers like an empty one after at most one bounded
timeout (`REDIS_TIMEOUT`), skips Redis for RETRY_AFTER seconds, and logs the outage once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

# Seconds Redis is left alone after a failure, so a frozen server costs one timeout, not one per call.
RETRY_AFTER = 5.0


class MemoryCache:
    """In-process cache with expiry, for the embedded default (one process, no services)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float | None, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._values.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires is not None and expires <= time.monotonic():
                del self._values[key]
                return None
            return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = time.monotonic() + ttl if ttl else None
        with self._lock:
            self._values[key] = (expires, value)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._values.pop(key, None)

    def ping(self) -> bool:
        return True


class RedisCache:
    """Redis, bypassed for RETRY_AFTER seconds after a command fails."""

    def __init__(self, client) -> None:
        self.client = client
        self._skip_until = 0.0

    def attempt(self, operation: Callable[[], Any], default: Any = None) -> Any:
        """`operation()`, or `default` when Redis failed now or a moment ago."""
        import redis

        if time.monotonic() < self._skip_until:
            return default
        try:
            return operation()
        except redis.RedisError as error:
            if time.monotonic() >= self._skip_until:
                log.warning("Redis unavailable (%s: %s); working without it for %.0f s",
                            error.__class__.__name__, error, RETRY_AFTER)
            self._skip_until = time.monotonic() + RETRY_AFTER
            return default

    def get(self, key: str) -> bytes | None:
        return self.attempt(lambda: self.client.get(key))

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        if ttl:
            self.attempt(lambda: self.client.set(key, value, px=int(ttl * 1000)))
        else:
            self.attempt(lambda: self.client.set(key, value))

    def delete(self, *keys: str) -> None:
        if keys:
            self.attempt(lambda: self.client.delete(*keys))

    def ping(self) -> bool:
        # Not through `attempt`: readiness must see the failure.
        return bool(self.client.ping())


def redis_options(timeout: float) -> dict:
    """Options for a Redis client whose every command ends within `timeout` seconds: no retries,
    no backoff (redis-py retries three times by default, multiplying a frozen server's cost)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


class CacheProxy:
    """The current app's cache, so domains can import one object at module level."""

    def init_app(self, app: Flask) -> None:
        config = app.extensions["coalition.config"]
        if config.redis_url:
            import redis

            client = redis.Redis.from_url(config.redis_url, **redis_options(config.redis_timeout))
            app.extensions["coalition.redis"] = client
            app.extensions["coalition.cache"] = RedisCache(client)
        else:
            app.extensions["coalition.redis"] = None
            app.extensions["coalition.cache"] = MemoryCache()

    @property
    def backend(self) -> MemoryCache | RedisCache:
        return current_app.extensions["coalition.cache"]

    @property
    def redis(self):
        """The Redis client, or None on the embedded default."""
        return current_app.extensions["coalition.redis"]

    def get(self, key: str) -> bytes | None:
        return self.backend.get(key)

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.backend.set(key, value, ttl)

    def delete(self, *keys: str) -> None:
        self.backend.delete(*keys)

    def ping(self) -> bool:
        return self.backend.ping()

    def attempt(self, operation: Callable[[], Any], default: Any = None) -> Any:
        """Run a Redis operation unless Redis is known to be down (see RedisCache.attempt)."""
        backend = self.backend
        if isinstance(backend, RedisCache):
            return backend.attempt(operation, default)
        return operation()
