"""Jobs run only after the commit: inline on the embedded default, through RQ with Redis."""

import os
import signal
import subprocess
import sys
import time

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from coalition import jobs
from coalition.extensions import cache, db
from coalition.outbox import OutboxEvent, record_event


def record_marker(value: str) -> None:
    """A job with an effect the test can see: an outbox event, committed by the job."""
    record_event("test.marker", {"value": value})
    db.commit()


def markers() -> list[str]:
    db.session.expire_all()
    return [e.payload["value"] for e in db.session.scalars(select(OutboxEvent).filter_by(kind="test.marker"))]


def test_inline_job_waits_for_the_commit(app, db_session, backend):
    if backend != "sqlite":
        pytest.skip("inline mode is the embedded default")
    jobs.enqueue(record_marker, "after-commit")
    assert markers() == []
    db.commit()
    assert markers() == ["after-commit"]


def test_rolled_back_work_enqueues_nothing(app, db_session):
    queue = Queue(jobs.QUEUE_NAME, connection=cache.redis) if cache.redis is not None else None
    if queue is not None:
        queue.empty()
    jobs.enqueue(record_marker, "never")
    db.rollback()
    db.commit()
    assert markers() == []  # inline: the job did not run
    assert queue is None or queue.count == 0  # with Redis: nothing was enqueued


@pytest.mark.redis
def test_job_goes_through_a_real_rq_worker(app, committed_db):
    queue = Queue(jobs.QUEUE_NAME, connection=cache.redis)
    queue.empty()
    jobs.enqueue(record_marker, "via-rq")
    assert queue.count == 0, "nothing may be enqueued before the commit"
    db.commit()
    assert queue.count == 1
    assert markers() == []
    SimpleWorker([queue], connection=cache.redis).work(burst=True)
    assert markers() == ["via-rq"]


@pytest.mark.redis
def test_worker_command_stops_cleanly_on_sigterm(app, tmp_path):
    config = app.extensions["coalition.config"]
    env = {**os.environ, "REDIS_URL": config.redis_url, "DATABASE_URL": config.database_url,
           "INSTANCE_PATH": str(tmp_path)}
    worker = subprocess.Popen([sys.executable, "-m", "coalition.cli", "worker"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Started once registered in Redis; its signal handlers follow the scheduler's start. A
    # fixed pause was too short for the app's start on a loaded machine.
    redis = app.extensions["coalition.redis"]
    deadline = time.monotonic() + 60
    while not redis.smembers("rq:workers") and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    assert worker.poll() is None, worker.stdout.read().decode()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
