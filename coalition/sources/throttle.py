"""At most 4 requests per second with one Action Network key, across sources and processes.

Each request takes the next free moment of its key, at least GAP after the one before; Redis
hands the moments out (with its own clock, so processes on several machines agree), and a
process without Redis keeps them itself. Keys are known by a digest only.
"""

from __future__ import annotations

import hashlib
import threading
import time

from redis.exceptions import RedisError

from coalition.extensions import cache

# A little over a quarter second: no window of one second holds five requests.
GAP = 0.26

_TAKE_TURN = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(t, last + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.6f', at), 'PX', math.ceil((at - t) * 1000) + 5000)
return string.format('%.6f', at - t)
"""

_lock = threading.Lock()
_local_turns: dict[str, float] = {}


def _local_wait(digest: str) -> float:
    with _lock:
        now = time.monotonic()
        at = max(now, _local_turns.get(digest, 0.0) + GAP)
        _local_turns[digest] = at
        return at - now


def wait_turn(key: str) -> None:
    """Sleep until this key may send its next request."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    wait = None
    redis = cache.redis
    if redis is not None:
        try:
            wait = float(redis.eval(_TAKE_TURN, 1, f"coalition:sources:key:{digest}", GAP))
        except RedisError:
            wait = None
    if wait is None:
        wait = _local_wait(digest)
    if wait > 0:
        time.sleep(wait)
