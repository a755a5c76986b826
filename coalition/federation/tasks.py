"""Jobs that push snapshots upstream: a sweep every minute queues one push per due upstream.

The sweep is the debounce: figures changed since the last accepted snapshot go up within a
minute, at most once a minute per upstream; an unchanged snapshot goes up again nightly. An
upstream that is down is retried with backoff; as snapshots are absolute, nothing is lost.
The worker plants the first sweep, and housekeeping plants it again every hour in case Redis
lost the chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select

from coalition.db import utcnow
from coalition.extensions import db
from coalition.federation.models import Upstream
from coalition.federation.pushing import push_upstream

SWEEP_EVERY = 60


def schedule_sweep(target, now: datetime | None = None) -> str:
    """Run `sweep_upstreams` at the next full minute (one job id per minute: no duplicates)."""
    now = now or utcnow()
    epoch = (int(now.timestamp()) // SWEEP_EVERY + 1) * SWEEP_EVERY
    job_id = f"coalition-federation-{epoch}"
    target.enqueue_at(datetime.fromtimestamp(epoch, UTC), sweep_upstreams, job_id=job_id)
    return job_id


def due_upstream_ids(now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    return list(db.session.scalars(select(Upstream.id).where(
        Upstream.status != "paused",
        or_(Upstream.next_attempt_date.is_(None), Upstream.next_attempt_date <= now)).order_by(Upstream.id)))


def sweep_upstreams() -> dict[str, int]:
    """The job: push (on the worker, one job per upstream, so a slow one delays no other)."""
    from coalition.jobs import queue

    target = queue()
    ids = due_upstream_ids()
    db.session.commit()
    outcomes: dict[str, int] = {}
    for upstream_id in ids:
        if target is None:
            outcome = push_upstream(upstream_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        else:
            target.enqueue(push_upstream, upstream_id, job_timeout=120)
    if target is not None:
        outcomes["queued"] = len(ids)
        schedule_sweep(target)
    return outcomes


def push_campaign(campaign_id: str | None = None, force: bool = False) -> dict[str, str]:
    """What the sweep does, here and now, for every upstream (of one campaign): the changed
    snapshots go up; `force` sends every one, changed or not. Upstream id → outcome."""
    statement = select(Upstream.id).where(Upstream.status != "paused").order_by(Upstream.id)
    if campaign_id is not None:
        statement = statement.where(Upstream.campaign_id == campaign_id)
    ids = list(db.session.scalars(statement))
    return {upstream_id: push_upstream(upstream_id, force=force) for upstream_id in ids}
