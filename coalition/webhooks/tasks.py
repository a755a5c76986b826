"""Jobs that move events from the outbox to the subscribers.

A commit with events sets `dispatch_events` going: on RQ when Redis is configured, else on a
thread of the process. If that fails (Redis down), nothing is lost: the events wait in the
outbox, and the worker drains it when it starts and at every sweep.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from redis.exceptions import RedisError

from coalition.db import utcnow
from coalition.extensions import cache, db

log = logging.getLogger(__name__)

# Set while a dispatch job waits in the queue, so a stream of commits queues one job, not one each.
QUEUED_FLAG = "coalition:webhooks:dispatch-queued"
# The longest the worker leaves the outbox unread, and a dispatch job runs before yielding.
SWEEP_INTERVAL = 60
PUMP_BUDGET = 60.0
# A process asks for a dispatch at most this often (seconds).
KICK_EVERY = 0.05


def kick_dispatch() -> None:
    """After a commit with events: have them dispatched soon. The request does not wait for
    Redis (a report would spend a round trip on it): a thread of the process queues the job,
    one for any number of commits meanwhile."""
    from coalition.jobs import queue

    app = current_app._get_current_object()
    if not app.extensions["coalition.config"].dispatch_events:
        return
    if queue() is None:
        _dispatch_on_a_thread(app)
        return
    _wake(app, "coalition.dispatch_kick", _kick_loop)


def _queue_dispatch() -> None:
    from coalition.jobs import queue

    try:
        if cache.redis.set(QUEUED_FLAG, b"1", nx=True, ex=SWEEP_INTERVAL):
            queue().enqueue(dispatch_events)
    except RedisError:
        log.warning("could not queue webhook dispatch; the worker's sweep delivers the events", exc_info=True)


def _kick_loop(app: Flask, wake: threading.Event) -> None:
    with app.app_context():
        while True:
            wake.wait()
            wake.clear()
            try:
                _queue_dispatch()
            except Exception:
                log.exception("could not queue webhook dispatch; the worker's sweep delivers the events")
            # The commits of the next moment share one call: a stream of reports costs Redis a
            # few calls a second per process, not one each, and their events wait KICK_EVERY at most.
            time.sleep(KICK_EVERY)


def dispatch_events() -> dict[str, int]:
    """The job: fan the outbox out into deliveries, deliver what is due, plan the next sweep."""
    from coalition.jobs import queue
    from coalition.webhooks.delivery import next_due
    from coalition.webhooks.dispatch import fan_out
    from coalition.webhooks.pump import held_endpoints, pump

    taken = [0]

    def take_events() -> None:
        while count := fan_out():
            taken[0] += count
            db.commit()

    redis = cache.redis
    if redis is not None:
        # Cleared before reading the outbox: an event committed from now on queues another run.
        redis.delete(QUEUED_FLAG)
    take_events()
    # Events committed while this run delivers join it at once, not after it.
    outcome = pump(PUMP_BUDGET, refill=take_events)
    if redis is not None:
        redis.delete(QUEUED_FLAG)
    take_events()
    outcome["events"] = taken[0]
    target = queue()
    if target is not None:
        schedule_sweep(target, next_due(held_endpoints()))
    db.commit()
    return outcome


def schedule_sweep(target, due: datetime | None, now: datetime | None = None) -> None:
    """Run `dispatch_events` when the next retry is due, and within SWEEP_INTERVAL at the latest."""
    now = now or utcnow()
    latest = now + timedelta(seconds=SWEEP_INTERVAL)
    when = max(min(due or latest, latest), now + timedelta(seconds=1))
    epoch = int(when.timestamp())
    # One job per second slot: every worker planning the same moment plans the same job.
    target.enqueue_at(datetime.fromtimestamp(epoch, UTC), dispatch_events, job_id=f"coalition-webhooks-{epoch}")


_thread_lock = threading.Lock()


def _wake(app: Flask, name: str, loop) -> None:
    """Wake the thread of this process that runs `loop(app, wake)`, started the first time. Per
    process: a thread does not survive the fork of a server's workers, its Event would."""
    key = (name, os.getpid())
    with _thread_lock:
        wake = app.extensions.get(key)
        if wake is None:
            wake = app.extensions[key] = threading.Event()
            threading.Thread(target=loop, args=(app, wake), name=name, daemon=True).start()
    wake.set()


def _dispatch_on_a_thread(app: Flask) -> None:
    """Without a worker (the embedded default), one thread of the process delivers: woken by
    commits, and by itself when the next retry is due, so no request waits for a receiver."""
    _wake(app, "coalition.dispatch_wake", _dispatch_loop)


def _dispatch_loop(app: Flask, wake: threading.Event) -> None:
    from coalition.webhooks.delivery import next_due
    from coalition.webhooks.pump import held_endpoints

    with app.app_context():
        while True:
            wake.wait(SWEEP_INTERVAL)
            wake.clear()
            try:
                dispatch_events()
                due = next_due(held_endpoints())
            except Exception:
                db.rollback()
                log.exception("webhook dispatch failed")
                due = None
            db.session.remove()
            if due is not None and not wake.is_set():
                wake.wait(max(0.0, (due - utcnow()).total_seconds()))
                wake.set()
