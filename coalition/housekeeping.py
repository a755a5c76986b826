"""Hourly housekeeping run by the worker: what has expired is removed, then the next run is set."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from coalition.auth.code_flow import remove_expired_codes
from coalition.campaigns.idempotency import remove_expired_keys
from coalition.db import utcnow
from coalition.extensions import db
from coalition.federation.tasks import schedule_sweep as schedule_federation_sweep
from coalition.metrics.operations import remove_expired_exports
from coalition.people.session_store import remove_expired_sessions
from coalition.sources.tasks import purge_runs
from coalition.webhooks.dispatch import purge_old

INTERVAL = 3600


def job_id(due_epoch: int) -> str:
    # One id per time slot: workers starting together schedule the same job, not one each.
    return f"coalition-housekeeping-{due_epoch // INTERVAL}"


def schedule_housekeeping(queue, now: datetime | None = None) -> str:
    """Schedule the next run at the next full interval (the worker's scheduler enqueues it)."""
    now = now or utcnow()
    due_epoch = (int(now.timestamp()) // INTERVAL + 1) * INTERVAL
    scheduled = job_id(due_epoch)
    queue.enqueue_at(datetime.fromtimestamp(due_epoch, UTC), run_housekeeping, job_id=scheduled)
    return scheduled


def run_housekeeping() -> dict[str, int]:
    """Remove expired export files, Idempotency-Keys, page sessions (the database's) and
    authorization codes, purge old webhook deliveries, dispatched events and source runs,
    schedule the next run and the federation sweep."""
    from coalition.jobs import queue

    config = current_app.extensions["coalition.config"]
    removed = {"export_files": remove_expired_exports(), "idempotency_keys": remove_expired_keys(),
               "page_sessions": remove_expired_sessions(), "authorization_codes": remove_expired_codes(),
               **purge_old(config.webhook_retention_days), **purge_runs(config.source_run_retention_days)}
    db.commit()
    target = queue()
    if target is not None:
        schedule_housekeeping(target)
        # The federation sweep reschedules itself every minute; should Redis have lost that chain,
        # this plants it again, so upstreams still get their nightly snapshot.
        schedule_federation_sweep(target)
    return removed
