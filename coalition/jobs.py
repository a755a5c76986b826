"""Background jobs: RQ on Redis when configured, else run inline once the request has committed.

Jobs are plain functions taking ids. They are handed over only after the database commit, so a
worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app

from coalition.extensions import cache, db
from coalition.i18n import _

log = logging.getLogger(__name__)

QUEUE_NAME = "coalition"


def queue():
    """The RQ queue, or None when jobs run inline."""
    config = current_app.extensions["coalition.config"]
    if not config.redis_url or config.jobs_inline:
        return None
    from rq import Queue

    return Queue(QUEUE_NAME, connection=cache.redis)


def run_inline(func: Callable, *args) -> None:
    try:
        func(*args)
    except Exception:
        db.rollback()
        log.exception("inline job %s%r failed", func.__name__, args)


def enqueue(func: Callable, *args, job_id: str | None = None) -> None:
    """Run `func(*args)` in the background once the current transaction has committed."""

    def dispatch() -> None:
        target = queue()
        if target is None:
            run_inline(func, *args)
        else:
            target.enqueue(func, *args, job_id=job_id)

    db.after_commit(dispatch)


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker inside the app context; SIGTERM lets the current job finish (warm shutdown)."""
    from rq import SimpleWorker

    config = app.extensions["coalition.config"]
    if not config.redis_url:
        raise SystemExit(_("REDIS_URL is not set: jobs run inline, no worker is needed."))
    with app.app_context():
        # SimpleWorker runs jobs in this process: no fork, so the engine's pool is never shared.
        worker = SimpleWorker([queue()], connection=cache.redis)
        from coalition.housekeeping import schedule_housekeeping

        schedule_housekeeping(queue())
        from coalition.webhooks.tasks import dispatch_events

        # Events committed while Redis or the worker was down wait in the outbox: drain it now.
        queue().enqueue(dispatch_events)
        worker.work(burst=burst, with_scheduler=True)
