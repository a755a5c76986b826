"""Polling on the worker: every source is its own chain of RQ jobs scheduled at its interval.

Each poll plans the next one (`enqueue_at` with jitter, RQ's scheduler enqueues it when due),
and Redis remembers the one planned moment of each source, so a job planned earlier (before a
"poll now", a pause or a change) finds itself stale and does nothing. A job only hands its poll
to this process's pool of poller threads, so one worker process polls many sources at once; a
lease per source keeps one poll of a source in flight. Without Redis there is no worker: a
source is polled when asked (`POST /api/v1/sources/{id}/poll`), inline after the commit.
"""

from __future__ import annotations

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import delete, select

from coalition.db import utcnow
from coalition.extensions import cache, db
from coalition.sources.models import CounterSource, SourceRun

log = logging.getLogger(__name__)

PLANNED = "coalition:sources:planned"
LEASE = "coalition:sources:lease:"
JITTER = 0.1
# A planned poll this late, with no poll in flight, was lost (a worker killed mid-poll): plan it again.
LOST_AFTER = 120


def _lease_seconds() -> int:
    # The slowest poll: a `json` source with its subtractions, each request within twice the timeout.
    return int(current_app.extensions["coalition.config"].outbound_timeout * 14) + 60


def plan(source_id: str, delay: float) -> None:
    """Plan the source's next poll in `delay` seconds (give or take the jitter)."""
    from coalition.jobs import queue

    target = queue()
    if target is None:
        return
    due = time.time() + max(0.0, delay * random.uniform(1 - JITTER, 1 + JITTER))
    due = round(due, 3)
    job_id = f"coalition-source-{source_id}-{int(due * 1000)}"
    try:
        cache.redis.hset(PLANNED, source_id, repr(due))
        if delay <= 0:
            target.enqueue(poll_source, source_id, due, job_id=job_id, result_ttl=0)
        else:
            target.enqueue_at(datetime.fromtimestamp(due, UTC), poll_source, source_id, due, job_id=job_id,
                              result_ttl=0)
    except RedisError:
        log.warning("next poll of source %s not planned (Redis unavailable); recovery plans it", source_id)


def forget(source_id: str) -> None:
    """No more polls of a paused or deleted source: whatever is planned turns stale."""
    if cache.redis is not None:
        cache.attempt(lambda: cache.redis.hdel(PLANNED, source_id))


def poll_soon(source_id: str) -> None:
    """After the commit: poll now, on the worker, or inline without one."""
    from coalition.jobs import queue, run_inline

    def dispatch() -> None:
        if queue() is None:
            run_inline(poll_inline, source_id)
        else:
            plan(source_id, 0)

    db.after_commit(dispatch)


def poll_inline(source_id: str) -> None:
    from coalition.sources.polling import poll

    poll(source_id)


def poll_source(source_id: str, due: float) -> str:
    """The RQ job: hand the poll to a poller thread, unless it is stale or already in flight."""
    redis = cache.redis
    planned = redis.hget(PLANNED, source_id)
    if planned is None or float(planned) != due:
        return "stale"
    if not redis.set(LEASE + source_id, b"1", nx=True, ex=_lease_seconds()):
        return "in flight"
    app = current_app._get_current_object()
    poller_pool(app).submit(run_poll, app, source_id, due)
    return "handed over"


def poller_pool(app: Flask) -> ThreadPoolExecutor:
    pool = app.extensions.get("coalition.source_pollers")
    if pool is None:
        size = app.extensions["coalition.config"].source_concurrency
        pool = app.extensions["coalition.source_pollers"] = ThreadPoolExecutor(size, "source-poller")
    return pool


def stop_pollers(app: Flask) -> None:
    """Let the polls in flight finish (the worker is stopping)."""
    pool = app.extensions.pop("coalition.source_pollers", None)
    if pool is not None:
        pool.shutdown(wait=True)


def run_poll(app: Flask, source_id: str, due: float) -> None:
    """On a poller thread: poll, plan the next poll, release the lease."""
    from coalition.sources.polling import poll

    with app.app_context():
        try:
            delay = poll(source_id)
        except Exception:
            log.exception("poll of source %s failed", source_id)
            db.rollback()
            delay = 60
        finally:
            db.reset_session()
        if delay is not None:
            plan(source_id, delay)
        cache.attempt(lambda: cache.redis.delete(LEASE + source_id))


def recover_sources() -> int:
    """Plan a poll for every source that should be polled and has none planned (new on this
    Redis, or lost with a worker); drop plans of sources gone. The number planned."""
    redis = cache.redis
    rows = db.session.execute(select(CounterSource.id, CounterSource.interval)
                              .where(CounterSource.status != "paused")).all()
    # Ends the read (a rollback would expire what the caller's session holds).
    db.commit()
    planned = {key.decode(): float(value) for key, value in redis.hgetall(PLANNED).items()}
    wanted = {source_id for source_id, _interval in rows}
    gone = [source_id for source_id in planned if source_id not in wanted]
    if gone:
        redis.hdel(PLANNED, *gone)
    late = time.time() - LOST_AFTER
    count = 0
    for source_id, interval in rows:
        due = planned.get(source_id)
        if due is None or (due < late and not redis.exists(LEASE + source_id)):
            # Spread over a first interval, so a worker starting with many sources does not poll them all at once.
            plan(source_id, random.uniform(0, min(interval, 60)))
            count += 1
    return count


def purge_runs(retention_days: int, now: datetime | None = None) -> dict[str, int]:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    return {"source_runs": db.session.execute(delete(SourceRun).where(SourceRun.started_date < cutoff)).rowcount}
