"""Rate limits of the OAuth endpoints, per client and per address (flask-limiter).

One Limiter per app, kept in app.extensions: a module-global limiter would mix the limits and
storage of every app created in one process (tests create several). The counters live in Redis;
while Redis is down or frozen each process counts in memory instead (logged), so tokens are
still issued, after at most one bounded Redis timeout.
"""

from __future__ import annotations

import ipaddress

from flask import Flask, request
from flask_limiter import Limiter

from coalition.logsafe import network_of

LIMITED_ENDPOINTS = ("oauth.issue_token", "oauth.revoke_token", "oauth.introspect_token")


def claimed_client_id() -> str | None:
    """The client_id a request claims (HTTP Basic or form), before any check of its secret."""
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username or None
    return request.form.get("client_id") or None


def address_for_limits() -> str:
    """The caller's address; IPv6 by /64, the block one host usually holds."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


def truncated_address() -> str:
    """The caller's network, never the full address (logs keep no full IP addresses)."""
    return network_of(request.remote_addr or "")


def _client_key() -> str:
    claimed = claimed_client_id()
    return f"client:{claimed}" if claimed else f"anonymous:{address_for_limits()}"


def _address_key() -> str:
    return f"address:{address_for_limits()}"


def _init_for_blueprint(limiter: Limiter, app: Flask, blueprint: str) -> None:
    """Bind the limiter, running its request hooks for one blueprint only.

    Only the OAuth endpoints carry limits; the limiter's app-wide hooks would cost every API
    request about a quarter of a trivial route's time for nothing.
    """
    registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    previous = [list(registry.get(None, [])) for registry in registries]
    limiter.init_app(app)
    for registry, kept in zip(registries, previous):
        added = [hook for hook in registry.get(None, []) if hook not in kept]
        registry[None] = kept
        registry.setdefault(blueprint, []).extend(added)


def init_app(app: Flask) -> None:
    """Create this app's limiter and put the token limits on the OAuth endpoints."""
    from coalition.cache import redis_options

    config = app.extensions["coalition.config"]
    storage_options = redis_options(config.redis_timeout) if config.redis_url else {}
    limiter = Limiter(
        _address_key,
        storage_uri=config.redis_url or "memory://",
        storage_options=storage_options,
        key_prefix="coalition-ratelimit",
        headers_enabled=True,
        enabled=config.ratelimit_enabled,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    _init_for_blueprint(limiter, app, "oauth")
    app.extensions["coalition.limiter"] = limiter
    for endpoint in LIMITED_ENDPOINTS:
        view = app.view_functions[endpoint]
        view = limiter.limit(config.ratelimit_token, key_func=_client_key)(view)
        app.view_functions[endpoint] = limiter.limit(config.ratelimit_token, key_func=_address_key)(view)
