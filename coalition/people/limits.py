"""Sign-in limits: failed attempts counted per claimed account and per network.

Only failures count, and once an account or a network is over its limit every attempt is
refused for a while, right or wrong, with the same answer whether the e-mail exists or not.
The counters live in Redis; while Redis is down each process counts in memory instead.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask, current_app, request
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from coalition.logsafe import network_of

log = logging.getLogger(__name__)


class SignInLimits:
    def __init__(self, storage_uri: str, options: dict):
        self.primary = MovingWindowRateLimiter(storage_from_string(storage_uri, **options))
        self.fallback = MovingWindowRateLimiter(MemoryStorage())

    @property
    def enabled(self) -> bool:
        return current_app.extensions["coalition.config"].ratelimit_enabled

    def _keys(self, account: str) -> list[tuple]:
        config = current_app.extensions["coalition.config"]
        # The e-mail is kept as a hash: the counters name no one.
        digest = hashlib.sha256(account.strip().casefold().encode()).hexdigest()
        network = network_of(request.remote_addr or "")
        return [(parse(config.ratelimit_sign_in), "coalition-sign-in", "account", digest),
                (parse(config.ratelimit_sign_in_network), "coalition-sign-in", "network", network)]

    def _each(self, method: str, account: str) -> list[bool]:
        results = []
        for item, *identifiers in self._keys(account):
            try:
                results.append(getattr(self.primary, method)(item, *identifiers))
            except Exception:  # any storage failure: count in this process instead
                log.warning("sign-in limit storage unavailable; counting in memory")
                results.append(getattr(self.fallback, method)(item, *identifiers))
        return results

    def allowed(self, account: str) -> bool:
        """Whether another attempt for `account` from this network may be checked now."""
        return not self.enabled or all(self._each("test", account))

    def failed(self, account: str) -> None:
        if self.enabled:
            self._each("hit", account)


def sign_in_limits() -> SignInLimits:
    return current_app.extensions["coalition.sign_in_limits"]


def init_app(app: Flask) -> None:
    from coalition.cache import redis_options

    config = app.extensions["coalition.config"]
    options = redis_options(config.redis_timeout) if config.redis_url else {}
    app.extensions["coalition.sign_in_limits"] = SignInLimits(config.redis_url or "memory://", options)
