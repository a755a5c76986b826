"""A small key-value cache: Redis when configured, in-process otherwise."""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app


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
    def __init__(self, client) -> None:
        self.client = client

    def get(self, key: str) -> bytes | None:
        return self.client.get(key)

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        if ttl:
            self.client.set(key, value, px=int(ttl * 1000))
        else:
            self.client.set(key, value)

    def delete(self, *keys: str) -> None:
        if keys:
            self.client.delete(*keys)

    def ping(self) -> bool:
        return bool(self.client.ping())


class CacheProxy:
    """The current app's cache, so domains can import one object at module level."""

    def init_app(self, app: Flask) -> None:
        config = app.extensions["coalition.config"]
        if config.redis_url:
            import redis

            client = redis.Redis.from_url(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
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
