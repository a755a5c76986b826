"""At most 4 requests per second with one Action Network key, across sources and processes.

A request may leave when its key has sent fewer than LIMIT requests in the last WINDOW seconds;
the permission is taken the moment before sending, so a thread that runs late asks late and
cannot bunch up with the next ones. Redis keeps each key's recent permissions (with its own
clock, so processes on several machines agree); a process without Redis keeps them itself.
Keys are known by a digest only.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import deque

from redis.exceptions import RedisError

from coalition.extensions import cache

LIMIT = 4
# Longer than a second: a request that reaches the other side a little later than it left still
# never makes five in one second there.
WINDOW = 1.2

_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], t, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return string.format('%.6f', oldest + window - t)
"""

_lock = threading.Lock()
_local: dict[str, deque] = {}


def _local_wait(digest: str) -> float:
    with _lock:
        now = time.monotonic()
        sent = _local.setdefault(digest, deque())
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
        if len(sent) < LIMIT:
            sent.append(now)
            return 0.0
        return sent[0] + WINDOW - now


def _wait(digest: str) -> float:
    redis = cache.redis
    if redis is not None:
        try:
            return float(redis.eval(_TAKE, 1, f"coalition:sources:key:{digest}", WINDOW, LIMIT, uuid.uuid4().hex))
        except RedisError:
            pass
    return _local_wait(digest)


def wait_turn(key: str) -> None:
    """Sleep until this key may send its next request (the permission is then taken)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    while (wait := _wait(digest)) > 0:
        time.sleep(wait)
