"""Background jobs: RQ on Redis when configured, else run inline once the request has committed.

Jobs are plain functions taking ids. They are handed over only after the database commit, so a
worker never looks for a row that is not there yet. Handing over can fail (Redis down): the
commit stands, and the worker's sweep finds the work that never reached the queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app

from coalition.extensions import cache, db
from coalition.i18n import _

log = logging.getLogger(__name__)

QUEUE_NAME = "coalition"
# A job that raised (a terminated database connection, say) runs again after these pauses.
RETRY_INTERVALS = [10, 60, 300]
# Longest a job may run; exports of a million XLSX rows take about two minutes.
JOB_TIMEOUT = 3600
# While a job runs its worker renews the job's lease this often; a lease not renewed for
# HEARTBEAT_TTL seconds means the worker died (kill -9, lost machine): RQ then retries the job
# or fails it, at the next maintenance, at most MAINTENANCE_EVERY seconds later.
HEARTBEAT_EVERY = 15
HEARTBEAT_TTL = 60
MAINTENANCE_EVERY = 60


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


def enqueue(func: Callable, *args, job_id: str | None = None, timeout: int | None = None) -> None:
    """Run `func(*args)` in the background once the current transaction has committed; the
    worker stops it after `timeout` seconds (JOB_TIMEOUT when None)."""

    def dispatch() -> None:
        target = queue()
        if target is None:
            run_inline(func, *args)
            return
        from rq import Retry

        queued = cache.attempt(lambda: target.enqueue(
            func, *args, job_id=job_id, job_timeout=timeout or JOB_TIMEOUT,
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)))
        if queued is None:
            log.warning("job %s%r not queued (Redis unavailable); the worker's sweep queues it later",
                        func.__name__, args)

    db.after_commit(dispatch)


def job_status(job_id: str) -> str | None:
    """RQ's status of a job ("queued", "started", "failed", …), None when Redis has no such job."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return Job.fetch(job_id, connection=cache.redis).get_status().value
    except NoSuchJobError:
        return None


def make_worker(app: Flask):
    """A worker running each job in this process, in a fresh app context and database session."""
    from rq import SimpleWorker
    from rq.worker import WorkerStatus

    class CoalitionWorker(SimpleWorker):
        # SimpleWorker, not forking: the engine's pool is never shared with a child process.

        def execute_job(self, job, queue):
            execution = self.prepare_execution(job)
            stop = threading.Event()
            heart = threading.Thread(target=self._beat, args=(job, execution, stop), daemon=True)
            heart.start()
            try:
                # A session left broken by one job (a terminated connection) is never the next's.
                with app.app_context():
                    db.reset_session()
                    try:
                        self.perform_job(job, queue, execution)
                    finally:
                        db.reset_session()
            finally:
                stop.set()
                heart.join()
            self.set_state(WorkerStatus.IDLE)

        def _beat(self, job, execution, stop: threading.Event) -> None:
            while not stop.wait(HEARTBEAT_EVERY):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:
                    log.warning("heartbeat of job %s not sent", job.id, exc_info=True)

        def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
            return HEARTBEAT_TTL

        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            with app.app_context():
                recover_lost_jobs()

    return CoalitionWorker([queue()], connection=cache.redis, maintenance_interval=MAINTENANCE_EVERY)


def recover_lost_jobs() -> None:
    """Queue again the work Redis never received, fail the work whose worker died for good,
    plan the polls of sources that have none planned."""
    from coalition.metrics.tasks import recover_exports
    from coalition.sources.tasks import recover_sources

    try:
        recover_exports(job_status)
        db.commit()
        recover_sources()
    except Exception:
        log.exception("recovering lost jobs failed; the next maintenance tries again")
    finally:
        db.reset_session()


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker inside the app context; SIGTERM lets the current job finish (warm shutdown)."""
    config = app.extensions["coalition.config"]
    if not config.redis_url:
        raise SystemExit(_("REDIS_URL is not set: jobs run inline, no worker is needed."))
    with app.app_context():
        worker = make_worker(app)
        from coalition.housekeeping import schedule_housekeeping

        schedule_housekeeping(queue())
        from coalition.federation.tasks import sweep_upstreams
        from coalition.webhooks.tasks import dispatch_events

        # Events committed while Redis or the worker was down wait in the outbox: drain it now.
        queue().enqueue(dispatch_events)
        # Figures changed while the worker was down go upstream now; the sweep then runs every minute.
        queue().enqueue(sweep_upstreams)
        from coalition.sources.tasks import recover_sources, stop_pollers

        recover_sources()
        try:
            worker.work(burst=burst, with_scheduler=True)
        finally:
            stop_pollers(app)
