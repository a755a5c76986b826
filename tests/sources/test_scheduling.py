"""Polling on the worker: each source its own chain of RQ jobs at its interval with jitter, one
poll in flight per source, lost chains planned again; and one run of the real worker."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from coalition.extensions import cache, db
from coalition.jobs import queue, run_worker
from coalition.sources import tasks
from coalition.sources.models import CounterSource
from tests import factories
from tests.conftest import make_test_app
from tests.sources.conftest import FakeSystems, eci_map, figures_of

pytestmark = pytest.mark.redis


def _source(campaign, organization, **fields) -> CounterSource:
    source = factories.make_source(campaign, organization, **fields)
    db.session.commit()
    return source


def _planned(source_id: str) -> float | None:
    value = cache.redis.hget(tasks.PLANNED, source_id)
    return None if value is None else float(value)


@pytest.fixture
def source(db_session, member):
    source = _source(factories.make_campaign(), member)
    yield source
    cache.redis.hdel(tasks.PLANNED, source.id)


def test_the_next_poll_is_an_rq_job_at_the_interval_with_jitter(app, source):
    before = time.time()
    tasks.plan(source.id, 300)
    due = _planned(source.id)
    assert before + 270 <= due <= time.time() + 330
    registry = ScheduledJobRegistry(queue=queue())
    job_id = f"coalition-source-{source.id}-{int(due * 1000)}"
    assert job_id in registry.get_job_ids()
    assert abs(registry.get_scheduled_time(job_id).timestamp() - due) < 1
    registry.remove(job_id, delete_job=True)


def test_a_stale_or_a_second_job_hands_nothing_over(app, source, monkeypatch):
    handed = []

    class Pool:
        def submit(self, function, *args):
            handed.append(args[1:])

    monkeypatch.setattr(tasks, "poller_pool", lambda _app: Pool())
    tasks.plan(source.id, 300)
    due = _planned(source.id)
    try:
        assert tasks.poll_source(source.id, due - 10) == "stale"
        assert tasks.poll_source(source.id, due) == "handed over"
        assert tasks.poll_source(source.id, due) == "in flight"
    finally:
        cache.redis.delete(tasks.LEASE + source.id)
    assert handed == [(source.id, due)]
    tasks.forget(source.id)
    assert tasks.poll_source(source.id, due) == "stale"


def test_recovery_plans_sources_without_a_planned_poll_and_forgets_deleted_ones(app, source, member):
    paused = _source(source.campaign, member)
    paused.status = "paused"
    db.session.commit()
    cache.redis.hset(tasks.PLANNED, "gone-source", "1")
    assert tasks.recover_sources() == 1
    assert _planned(source.id) is not None and _planned(paused.id) is None
    assert cache.redis.hget(tasks.PLANNED, "gone-source") is None
    assert tasks.recover_sources() == 0  # planned already
    cache.redis.hset(tasks.PLANNED, source.id, repr(time.time() - tasks.LOST_AFTER - 5))
    assert tasks.recover_sources() == 1  # lost with a worker: planned again


@pytest.mark.postgres_only
def test_the_worker_polls_many_sources_at_once_and_plans_each_next_poll(app, committed_db, own_redis, tmp_path):
    worker = make_test_app("postgresql", redis_url=own_redis.url, outbound_allow_private=True,
                           outbound_timeout=4.0, instance_path=tmp_path)
    with worker.app_context(), FakeSystems() as systems:
        member = factories.make_organization()
        campaign = factories.make_campaign()
        db.session.commit()
        sources = []
        for number in range(8):
            systems.documents[f"/eci{number}/report/map"] = eci_map({"fr": 10 + number})
            sources.append(_source(campaign, member, url=systems.url(f"/eci{number}"), interval=120))
        ids = [source.id for source in sources]
        owner = SimpleNamespace(id=member.id)
        target = SimpleNamespace(id=campaign.id)
        for source_id in ids:
            tasks.plan(source_id, 0)
        started = time.monotonic()
        run_worker(worker, burst=True)
        elapsed = time.monotonic() - started
        assert len(systems.received) == 8
        # In flight together: eight polls took far less than eight one after the other would.
        gaps = sorted(r.at for r in systems.received)
        assert gaps[-1] - gaps[0] < 2.0, elapsed
        assert figures_of(target, owner) == {"FR": 17}
        assert db.session.scalars(select(CounterSource.last_success)).all().count(None) == 0
        registry = ScheduledJobRegistry(queue=queue())
        assert len([job for job in registry.get_job_ids() if job.startswith("coalition-source-")]) == 8
        now = time.time()
        assert all(now + 100 <= _planned(source_id) <= now + 135 for source_id in ids)
    db.session.remove()
